package io.azurekura.connector.cloud.publisher;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.stream.Collectors;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.cloud.CloudComponents;
import io.azurekura.connector.cloud.endpoint.HubCloudEndpoint;
import io.azurekura.connector.cloud.message.MessageProperties;
import io.azurekura.connector.cloud.message.PayloadRefusedException;
import io.azurekura.connector.common.redact.Redactor;
import io.azurekura.connector.cloud.message.PublishOptions;
import io.azurekura.connector.cloud.message.TelemetryMapper;
import io.azurekura.connector.cloud.tracking.ConnectionRelay;
import io.azurekura.connector.cloud.tracking.EndpointTracker;

/**
 * A Kura CloudPublisher for one Azure IoT Hub cloud connection. Kura's UI creates instances with
 * {@code cloud.endpoint.service.pid} naming the connection and finds this factory by the {@code service.pid} and
 * {@code cloud.connection.factory.pid} of this description (kept in a DS 1.1 description, see bnd.bnd).
 */
@Component(name = CloudComponents.PUBLISHER_FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = { CloudPublisher.class, ConfigurableComponent.class },
        property = { "service.pid=" + CloudComponents.PUBLISHER_FACTORY_PID,
                CloudComponents.CLOUD_CONNECTION_FACTORY_PID + "=" + CloudComponents.ENDPOINT_FACTORY_PID,
                CloudComponents.KURA_UI_SERVICE_HIDE + ":Boolean=true",
                CloudComponents.KURA_UI_FACTORY_HIDE + "=true" })
@Designate(ocd = PublisherConfiguration.class, factory = true)
public final class AzureIotHubPublisher implements CloudPublisher, ConfigurableComponent {

    private static final Logger LOG = LoggerFactory.getLogger(AzureIotHubPublisher.class);

    private final ConnectionRelay relay = new ConnectionRelay();
    private final Set<CloudDeliveryListener> deliveryListeners = new CopyOnWriteArraySet<>();
    private final EndpointTracker.Listener noSubscription = new EndpointTracker.Listener() {

        @Override
        public void endpointAdded(CloudEndpoint endpoint) {
            // publishing needs no registration; only our configuration problems are shown in its status
            report(endpoint, AzureIotHubPublisher.this.problems);
        }

        @Override
        public void endpointRemoved(CloudEndpoint endpoint) {
            report(endpoint, List.of());
        }
    };

    private BundleContext context;
    private volatile String pid = "?";
    private volatile PublishOptions options = PublishOptions.DEFAULTS;
    private volatile List<String> problems = List.of();
    private EndpointTracker tracker;

    @Activate
    void activate(BundleContext bundleContext, Map<String, Object> properties) {
        this.context = bundleContext;
        update(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        update(properties);
    }

    @Deactivate
    synchronized void deactivate() {
        if (this.tracker != null) {
            this.tracker.endpoint().ifPresent(e -> report(e, List.of()));
            this.tracker.close();
            this.tracker = null;
        }
    }

    private synchronized void update(Map<String, Object> properties) {
        this.pid = String.valueOf(properties.get(CloudComponents.KURA_SERVICE_PID));
        PublishOptions next = PublisherSettings.read(properties);
        this.problems = next.problems().stream().map(Redactor::excerpt).collect(Collectors.toUnmodifiableList());
        this.problems.forEach(p -> LOG.warn("Publisher {}: configuration: {}", this.pid, p));
        this.options = next;
        Object endpointPid = properties.get(CloudComponents.CLOUD_ENDPOINT_SERVICE_PID);
        String wanted = endpointPid == null ? null : String.valueOf(endpointPid);
        if (this.tracker != null && Objects.equals(this.tracker.endpointPid(), wanted)) {
            this.tracker.endpoint().ifPresent(e -> report(e, this.problems));
            return;
        }
        if (this.tracker != null) {
            this.tracker.close();
            this.tracker = null;
        }
        if (wanted == null || wanted.isBlank()) {
            LOG.warn("Publisher {} names no cloud connection ({} is not set): it cannot publish", this.pid,
                    CloudComponents.CLOUD_ENDPOINT_SERVICE_PID);
            return;
        }
        this.tracker = new EndpointTracker(this.context, wanted, this.relay, this.noSubscription);
    }

    @Override
    public String publish(KuraMessage message) throws KuraException {
        if (message == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "message is null");
        }
        return publishTo(endpoint(), message);
    }

    /**
     * Every failure reaches the caller as a KuraException with a code that says whose problem it is: the message
     * (INVALID_PARAMETER), the connection (NOT_CONNECTED, SERVICE_UNAVAILABLE, ...) or a fault of ours
     * (INTERNAL_ERROR); never a bare runtime exception.
     */
    String publishTo(HubCloudEndpoint endpoint, KuraMessage message) throws KuraException {
        Object requestedId = message.getProperties().get(MessageProperties.MESSAGE_ID);
        String id = requestedId == null || String.valueOf(requestedId).isBlank() ? UUID.randomUUID().toString()
                : String.valueOf(requestedId);
        TelemetryMessage telemetry;
        try {
            telemetry = TelemetryMapper.toTelemetry(message, this.options, id, Instant.now());
        } catch (PayloadRefusedException e) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "publisher " + this.pid + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Publisher {}: the message could not be converted: {}", this.pid, e.getClass().getName());
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, "publisher " + this.pid
                    + ": the message could not be converted (" + e.getClass().getName() + ")");
        }
        CompletionStage<MessageReceipt> sent;
        try {
            sent = endpoint.send(telemetry);
        } catch (RuntimeException e) {
            LOG.warn("Publisher {}: the cloud connection failed on send: {}", this.pid, e.getClass().getName());
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, "publisher " + this.pid
                    + ": the cloud connection failed (" + e.getClass().getName() + ")");
        }
        sent.whenComplete((receipt, failure) -> {
            if (failure == null) {
                for (CloudDeliveryListener listener : this.deliveryListeners) {
                    try {
                        listener.onMessageConfirmed(id);
                    } catch (RuntimeException e) {
                        LOG.warn("Publisher {}: a delivery listener failed: {}", this.pid, e.toString());
                    }
                }
            } else {
                LOG.warn("Publisher {}: message {} was not delivered: {}", this.pid, id,
                        Redactor.excerpt(failure.getMessage()));
            }
        });
        return id;
    }

    /** Shows this publisher's configuration problems in {@code endpoint}'s status. */
    void reportTo(CloudEndpoint endpoint) {
        report(endpoint, this.problems);
    }

    private void report(CloudEndpoint endpoint, List<String> current) {
        if (endpoint instanceof HubCloudEndpoint) {
            ((HubCloudEndpoint) endpoint).reportConfiguration("publisher " + this.pid, current);
        }
    }

    private HubCloudEndpoint endpoint() throws KuraException {
        EndpointTracker current;
        synchronized (this) {
            current = this.tracker;
        }
        CloudEndpoint endpoint = current == null ? null : current.endpoint().orElse(null);
        if (endpoint instanceof HubCloudEndpoint) {
            return (HubCloudEndpoint) endpoint;
        }
        throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, "publisher " + this.pid
                + ": its Azure IoT Hub cloud connection " + (current == null ? "is not set" : current.endpointPid()
                        + " is not available"));
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener listener) {
        this.relay.add(listener);
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener listener) {
        this.relay.remove(listener);
    }

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener listener) {
        this.deliveryListeners.add(listener);
    }

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener listener) {
        this.deliveryListeners.remove(listener);
    }
}
