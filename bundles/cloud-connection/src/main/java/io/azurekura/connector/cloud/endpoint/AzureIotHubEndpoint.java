package io.azurekura.connector.cloud.endpoint;

import java.time.Instant;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.eclipse.kura.KuraConnectException;
import org.eclipse.kura.KuraDisconnectException;
import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.subscriber.listener.CloudSubscriberListener;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.hub.CloudToDeviceListener;
import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionEvent;
import io.azurekura.connector.api.hub.ConnectionListener;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.SendException;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.cloud.CloudComponents;
import io.azurekura.connector.cloud.message.CloudToDeviceMapper;
import io.azurekura.connector.cloud.message.MessageProperties;
import io.azurekura.connector.cloud.message.PublishOptions;
import io.azurekura.connector.cloud.message.SubscriptionFilter;
import io.azurekura.connector.cloud.message.TelemetryMapper;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.kura.ConfigurationReader;
import io.azurekura.connector.common.redact.Redactor;

/**
 * One Azure IoT Hub cloud connection as Kura sees it: a CloudEndpoint and CloudConnectionManager over the hub
 * connection of its stack. Connecting registers a {@link TokenCacheGate} that the stack's hub connection requires,
 * disconnecting withdraws it (see the gate for why). Kura callbacks, delivery confirmations and subscriber
 * deliveries run on the endpoint's own notification thread, in order.
 */
@Component(name = CloudComponents.ENDPOINT_FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true,
        service = { CloudEndpoint.class, CloudConnectionManager.class, ConfigurableComponent.class },
        property = { CloudComponents.KURA_UI_SERVICE_HIDE + ":Boolean=true",
                CloudComponents.KURA_UI_FACTORY_HIDE + "=true" })
@Designate(ocd = EndpointConfiguration.class, factory = true)
public final class AzureIotHubEndpoint implements HubCloudEndpoint, ConfigurableComponent {

    /** The key of this connection's own problems in {@link #getInfo()}. */
    static final String THIS_CONNECTION = "connection";

    private static final Logger LOG = LoggerFactory.getLogger(AzureIotHubEndpoint.class);
    /** connect()/disconnect() wait this long for the hub connection component to start or stop. */
    private static final long SWITCH_TIMEOUT_SECONDS = 30;

    private final Set<CloudConnectionListener> connectionListeners = new CopyOnWriteArraySet<>();
    private final Set<CloudDeliveryListener> deliveryListeners = new CopyOnWriteArraySet<>();
    /** Configuration problems of this connection and of its publishers and subscribers, by component. */
    private final Map<String, List<String>> componentProblems = new ConcurrentHashMap<>();
    private final Map<CloudSubscriberListener, SubscriptionFilter> subscribers = new ConcurrentHashMap<>();
    private final LinkTracker link = new LinkTracker();
    private final TokenCacheGate gate = new TokenCacheGate(() -> this.tokenCache);

    private volatile SasTokenCache tokenCache;
    private volatile HubAttachment attachment;

    private BundleContext bundleContext;
    private volatile String pid = "?";
    private volatile boolean active;
    /** Whether the connection should be up: set by connect()/disconnect() and "Connect automatically". */
    private volatile boolean connectRequested;
    /** Notifications and gate switching, in order; created in activate. */
    private volatile ExecutorService notifier;
    /** Registered on the notifier thread only; withdrawn there or by deactivate. */
    private final AtomicReference<ServiceRegistration<SasTokenCache>> gateRegistration = new AtomicReference<>();

    // ---------------------------------------------------------------------------------------------------------
    // Lifecycle

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.bundleContext = context;
        this.pid = pidOf(properties);
        this.notifier = Executors.newSingleThreadExecutor(new NamedThreadFactory("cloud-endpoint"));
        boolean auto = readAutoConnect(properties);
        synchronized (this) {
            this.connectRequested = auto;
            this.active = true;
        }
        HubConnection bound = this.attachment == null ? null : this.attachment.hub;
        if (bound != null) {
            attach(bound);
        }
        switchGate();
        LOG.info("Cloud connection {} activated ({})", this.pid,
                auto ? "connecting automatically" : "waiting for connect");
    }

    @Modified
    void modified(Map<String, Object> properties) {
        boolean auto = readAutoConnect(properties);
        if (auto && !this.connectRequested) {
            // Turning "Connect automatically" on means "be connected", as when the gateway starts
            this.connectRequested = true;
            switchGate();
        }
    }

    @Deactivate
    void deactivate() {
        ExecutorService executor;
        synchronized (this) {
            this.active = false;
            executor = this.notifier;
        }
        HubAttachment current = this.attachment;
        if (current != null) {
            current.detach();
        }
        detached();
        // Withdrawn here, not on the notifier thread: stopping the hub connection component unbinds it from us, and
        // SCR copes with that while it deactivates us on this thread, not once it has begun disposing of us.
        withdrawGate();
        executor.shutdown();
        LOG.info("Cloud connection {} deactivated", this.pid);
    }

    private static String pidOf(Map<String, Object> properties) {
        Object value = properties.get(CloudComponents.KURA_SERVICE_PID);
        return value == null ? String.valueOf(properties.get(Constants.SERVICE_PID)) : String.valueOf(value);
    }

    private boolean readAutoConnect(Map<String, Object> properties) {
        ConfigurationReader reader = new ConfigurationReader(properties);
        boolean auto = reader.bool("connect.auto", true);
        List<String> problems = reader.problems().stream().map(Redactor::excerpt).collect(Collectors.toList());
        problems.forEach(p -> LOG.warn("Cloud connection {}: configuration: {}", this.pid, p));
        reportConfiguration(THIS_CONNECTION, problems);
        return auto;
    }

    // ---------------------------------------------------------------------------------------------------------
    // References

    @Reference(name = "SasTokenCache", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindTokenCache")
    void bindTokenCache(SasTokenCache cache) {
        if (cache instanceof TokenCacheGate) {
            // A filter matching every token cache must not make a gate (ours or another connection's) our source
            LOG.warn("Cloud connection {}: SasTokenCache.target selects a connection's token cache gate; ignored",
                    this.pid);
            return;
        }
        this.tokenCache = cache;
        switchGate();
    }

    void unbindTokenCache(SasTokenCache cache) {
        if (this.tokenCache == cache) {
            this.tokenCache = null;
            switchGate();
        }
    }

    @Reference(name = "HubConnection", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindHubConnection")
    void bindHubConnection(HubConnection hub) {
        if (this.active) {
            attach(hub);
        } else {
            this.attachment = new HubAttachment(hub); // activate() attaches it
        }
    }

    void unbindHubConnection(HubConnection hub) {
        HubAttachment current;
        synchronized (this) {
            current = this.attachment;
            if (current == null || current.hub != hub) {
                return; // replaced already (greedy rebinding binds the new one first)
            }
            this.attachment = null;
        }
        current.detach();
        if (this.active) {
            detached();
        }
    }

    private synchronized void detached() {
        linkChanged(this.link.onDetached());
    }

    private void attach(HubConnection hub) {
        HubAttachment next = new HubAttachment(hub);
        HubAttachment previous;
        synchronized (this) {
            previous = this.attachment;
            this.attachment = next;
        }
        if (previous != null && previous != next && previous.hub != hub) {
            previous.detach();
        }
        next.attach();
    }

    /** The listeners registered on one bound HubConnection; events from an older binding are ignored. */
    private final class HubAttachment implements ConnectionListener, CloudToDeviceListener {

        final HubConnection hub;

        HubAttachment(HubConnection hub) {
            this.hub = hub;
        }

        void attach() {
            this.hub.addConnectionListener(this);
            this.hub.addCloudToDeviceListener(this);
            ConnectionStatus status = this.hub.status();
            onState(status);
        }

        void detach() {
            this.hub.removeConnectionListener(this);
            this.hub.removeCloudToDeviceListener(this);
        }

        @Override
        public void onConnectionEvent(ConnectionEvent event) {
            onState(event.status());
        }

        private void onState(ConnectionStatus status) {
            synchronized (AzureIotHubEndpoint.this) {
                if (AzureIotHubEndpoint.this.attachment != this || !AzureIotHubEndpoint.this.active) {
                    return;
                }
                linkChanged(AzureIotHubEndpoint.this.link.onState(status.state(), status.reason()));
            }
        }

        @Override
        public void onCloudToDeviceMessage(CloudToDeviceMessage message) {
            if (AzureIotHubEndpoint.this.attachment == this) {
                deliver(message);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connecting: the token cache gate

    @Override
    public void connect() throws KuraConnectException {
        if (!this.active) {
            throw new KuraConnectException("cloud connection " + this.pid + " is not active");
        }
        this.connectRequested = true;
        try {
            awaitSwitch();
        } catch (KuraException e) {
            throw new KuraConnectException(e, "cloud connection " + this.pid + ": " + e.getMessage());
        }
        if (this.tokenCache == null) {
            throw new KuraConnectException("cloud connection " + this.pid + " has no token cache (check the token "
                    + "cache filter); it connects as soon as one is available");
        }
    }

    @Override
    public void disconnect() throws KuraDisconnectException {
        this.connectRequested = false;
        if (!this.active) {
            return;
        }
        try {
            awaitSwitch();
        } catch (KuraException e) {
            throw new KuraDisconnectException(e, "cloud connection " + this.pid + ": " + e.getMessage());
        }
    }

    @Override
    public boolean isConnected() {
        HubAttachment current = this.attachment;
        if (current == null || !this.active) {
            return false;
        }
        ConnectionStatus status = current.hub.status();
        return LinkTracker.isConnected(status.state(), status.reason());
    }

    private void switchGate() {
        submit(this::applyGate);
    }

    private void awaitSwitch() throws KuraException {
        Future<?> done = submit(this::applyGate);
        if (done == null) {
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, "the connection is shutting down");
        }
        try {
            done.get(SWITCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "interrupted");
        } catch (ExecutionException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e.getCause(), String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            throw new KuraException(KuraErrorCode.TIMED_OUT, "the hub connection did not switch within "
                    + SWITCH_TIMEOUT_SECONDS + " s");
        }
    }

    private boolean gateWanted() {
        return this.active && this.connectRequested && this.tokenCache != null;
    }

    /**
     * On the notifier thread: the gate is up exactly while active, connect requested and a token cache bound. No
     * lock is held while (un)registering: that starts or stops the hub connection component, which binds to us.
     */
    private void applyGate() {
        if (gateWanted()) {
            if (this.gateRegistration.get() == null) {
                Dictionary<String, Object> properties = new Hashtable<>();
                properties.put(CloudComponents.GATE_ENDPOINT_PROPERTY, this.pid);
                // Below any real token cache, so that consumers without a target filter never prefer the gate
                properties.put(Constants.SERVICE_RANKING, Integer.MIN_VALUE);
                properties.put(Constants.SERVICE_DESCRIPTION, "Token cache of cloud connection " + this.pid
                        + "; present while it is to be connected");
                this.gateRegistration.set(
                        this.bundleContext.registerService(SasTokenCache.class, this.gate, properties));
                LOG.info("Cloud connection {}: connecting", this.pid);
                if (!gateWanted()) {
                    withdrawGate(); // deactivated meanwhile
                }
            }
        } else if (withdrawGate()) {
            LOG.info("Cloud connection {}: disconnected{}", this.pid,
                    this.tokenCache == null && this.connectRequested ? " (no token cache)" : "");
        }
    }

    /** @return whether a gate was registered */
    private boolean withdrawGate() {
        ServiceRegistration<SasTokenCache> registration = this.gateRegistration.getAndSet(null);
        if (registration == null) {
            return false;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with our bundle
        }
        return true;
    }

    private Future<?> submit(Runnable task) {
        ExecutorService executor = this.notifier;
        if (executor == null) {
            return null; // not activated yet: activate() switches
        }
        try {
            return executor.submit(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("Cloud connection {}: {}", this.pid, e.toString(), e);
                    throw e;
                }
            });
        } catch (RejectedExecutionException e) {
            return null; // deactivated
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connection listeners

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener listener) {
        this.connectionListeners.add(listener);
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener listener) {
        this.connectionListeners.remove(listener);
    }

    /** Caller holds this endpoint's monitor, so callbacks are queued in the order the link changed. */
    private void linkChanged(Optional<LinkTracker.Callback> callback) {
        callback.ifPresent(c -> {
            LOG.info("Cloud connection {}: {}", this.pid, c == LinkTracker.Callback.ESTABLISHED ? "connected"
                    : c == LinkTracker.Callback.LOST ? "connection lost" : "disconnected");
            for (CloudConnectionListener listener : this.connectionListeners) {
                submit(() -> notify(listener, c));
            }
        });
    }

    private void notify(CloudConnectionListener listener, LinkTracker.Callback callback) {
        try {
            switch (callback) {
            case ESTABLISHED:
                listener.onConnectionEstablished();
                break;
            case LOST:
                listener.onConnectionLost();
                break;
            default:
                listener.onDisconnected();
            }
        } catch (RuntimeException e) {
            LOG.warn("Cloud connection {}: a connection listener failed: {}", this.pid, e.toString());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Publishing

    @Override
    public String publish(KuraMessage message) throws KuraException {
        String id = Optional.ofNullable(message.getProperties().get(MessageProperties.MESSAGE_ID)).map(String::valueOf)
                .filter(s -> !s.isBlank()).orElseGet(() -> UUID.randomUUID().toString());
        send(TelemetryMapper.toTelemetry(message, PublishOptions.DEFAULTS, id, Instant.now()));
        return id;
    }

    @Override
    public CompletionStage<MessageReceipt> send(TelemetryMessage message) throws KuraException {
        HubAttachment current = this.attachment;
        if (current == null || !this.active) {
            throw new KuraException(KuraErrorCode.NOT_CONNECTED,
                    "cloud connection " + this.pid + " is disconnected");
        }
        CompletableFuture<MessageReceipt> sent = current.hub.send(message).toCompletableFuture();
        if (sent.isCompletedExceptionally()) {
            throw refusal(sent);
        }
        CompletableFuture<MessageReceipt> confirmed = new CompletableFuture<>();
        sent.whenComplete((receipt, failure) -> {
            Future<?> queued = submit(() -> {
                if (failure == null) {
                    for (CloudDeliveryListener listener : this.deliveryListeners) {
                        confirm(listener, receipt.messageId());
                    }
                    confirmed.complete(receipt);
                } else {
                    confirmed.completeExceptionally(unwrap(failure));
                }
            });
            if (queued == null) {
                confirmed.completeExceptionally(new IllegalStateException("the cloud connection was closed"));
            }
        });
        return confirmed;
    }

    private KuraException refusal(CompletableFuture<MessageReceipt> failed) {
        Throwable cause;
        try {
            failed.join();
            cause = new IllegalStateException("not failed");
        } catch (CompletionException e) {
            cause = unwrap(e);
        }
        if (cause instanceof SendException) {
            SendException refused = (SendException) cause;
            KuraErrorCode code;
            switch (refused.failure()) {
            case INVALID_MESSAGE:
                code = KuraErrorCode.INVALID_PARAMETER;
                break;
            case MISCONFIGURED:
                code = KuraErrorCode.CONFIGURATION_ERROR;
                break;
            case CLOSED:
                code = KuraErrorCode.NOT_CONNECTED;
                break;
            default:
                code = KuraErrorCode.IO_ERROR;
            }
            return new KuraException(code, refused, refused.getMessage());
        }
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, cause, String.valueOf(cause));
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private void confirm(CloudDeliveryListener listener, String messageId) {
        try {
            listener.onMessageConfirmed(messageId);
        } catch (RuntimeException e) {
            LOG.warn("Cloud connection {}: a delivery listener failed: {}", this.pid, e.toString());
        }
    }

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener listener) {
        this.deliveryListeners.add(listener);
    }

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener listener) {
        this.deliveryListeners.remove(listener);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Subscribing

    @Override
    public void registerSubscriber(Map<String, Object> subscriptionProperties, CloudSubscriberListener listener) {
        this.subscribers.put(listener, SubscriptionFilter.fromSubscriptionProperties(subscriptionProperties));
    }

    @Override
    public void unregisterSubscriber(CloudSubscriberListener listener) {
        this.subscribers.remove(listener);
    }

    /**
     * Runs the matching subscribers on the hub connection's callback thread and fails if one of them failed: the
     * hub connection then leaves the message with IoT Hub for another delivery instead of acknowledging it (at least
     * once to Kura applications; docs/hub-delivery.md).
     */
    void deliver(CloudToDeviceMessage message) {
        int failed = 0;
        for (Map.Entry<CloudSubscriberListener, SubscriptionFilter> entry : this.subscribers.entrySet()) {
            if (!entry.getValue().matches(message.properties())) {
                continue;
            }
            try {
                entry.getKey().onMessageArrived(CloudToDeviceMapper.toKuraMessage(message));
            } catch (RuntimeException e) {
                failed++;
                LOG.warn("Cloud connection {}: a subscriber failed on message {}: {}", this.pid,
                        message.messageId().map(Redactor::excerpt).orElse("?"), e.getClass().getName());
            }
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " subscriber(s) of cloud connection " + this.pid + " failed");
        }
    }

    @Override
    public void reportConfiguration(String component, List<String> problems) {
        if (problems == null || problems.isEmpty()) {
            this.componentProblems.remove(component);
        } else {
            this.componentProblems.put(component, List.copyOf(problems));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Status for Kura's UI

    @Override
    public Map<String, String> getInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("Connection type", CloudComponents.CONNECTION_TYPE_NAME);
        new TreeMap<>(this.componentProblems).forEach((component, problems) -> info
                .put("Configuration problems (" + component + ")", String.join("; ", problems)));
        HubAttachment current = this.attachment;
        if (current == null) {
            info.put("State", this.connectRequested ? "starting (or no hub connection configured)" : "disconnected");
            return info;
        }
        ConnectionStatus status = current.hub.status();
        info.put("State", status.state() + " (" + status.reason() + ")");
        status.detail().ifPresent(detail -> info.put("Detail", detail));
        status.identity().ifPresent(identity -> info.put("Identity", identity.toString()));
        info.put("Transport", String.valueOf(status.transport()));
        status.connectedSince().ifPresent(since -> info.put("Connected since", since.toString()));
        info.put("Messages acknowledged", Long.toString(status.messagesAcknowledged()));
        info.put("Messages failed", Long.toString(status.messagesFailed()));
        info.put("Queued", status.queueDepth() + " of " + status.queueCapacity());
        info.put("Planned reconnects (token renewal)", Long.toString(status.plannedReconnects()));
        info.put("Connection losses", Long.toString(status.unplannedReconnects()));
        if (!status.configurationProblems().isEmpty()) {
            info.put("Configuration problems", String.join("; ", status.configurationProblems()));
        }
        if (!status.configurationWarnings().isEmpty()) {
            info.put("Configuration values replaced by defaults", String.join("; ",
                    status.configurationWarnings()));
        }
        info.put("Cloud-to-device taken / returned / given up", status.cloudToDeviceTaken() + " / "
                + status.cloudToDeviceReturned() + " / " + status.cloudToDeviceGivenUp());
        return info;
    }
}
