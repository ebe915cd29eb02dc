package io.azurekura.connector.hub.component;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.security.keystore.KeystoreService;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
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
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.hub.CloudToDeviceListener;
import io.azurekura.connector.api.hub.ConnectionListener;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.SendException;
import io.azurekura.connector.api.hub.SendFailure;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.hub.identity.ProvisionedIdentity;
import io.azurekura.connector.hub.client.HubClientFactory;
import io.azurekura.connector.hub.sdk.AzureSdkClientFactory;
import io.azurekura.connector.hub.sdk.MultiplexedClientFactory;
import io.azurekura.connector.hub.supervisor.ConnectRateLimiter;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.hub.supervisor.PlannedReconnectGate;
import io.azurekura.connector.hub.supervisor.SharedSupervisorPool;
import io.azurekura.connector.hub.supervisor.SupervisorExecutors;
import io.azurekura.connector.hub.trust.TrustContexts;
import io.azurekura.connector.hub.trust.TrustProvider;
import io.azurekura.connector.hub.trust.TrustUnavailableException;

/**
 * Maps one Kura factory configuration onto a {@link HubConnectionSupervisor} and the services it needs. A changed
 * configuration replaces the supervisor (new connection); the service registration and the listeners stay.
 */
@Component(name = HubConnectionManager.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = { HubConnection.class, ConfigurableComponent.class })
@Designate(ocd = HubConnectionConfiguration.class, factory = true)
public final class HubConnectionManager implements HubConnection, ConfigurableComponent {

    public static final String PID = "io.azurekura.connector.hub.HubConnectionManager";

    private static final Logger LOG = LoggerFactory.getLogger(HubConnectionManager.class);

    @Reference(name = "SasTokenCache")
    private SasTokenCache cache;

    @Reference(name = "TruststoreKeystoreService", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile KeystoreService truststore;

    private final Set<ConnectionListener> connectionListeners = new CopyOnWriteArraySet<>();
    private final Set<CloudToDeviceListener> cloudToDeviceListeners = new CopyOnWriteArraySet<>();
    /** Whiteboard listeners and their connection filter (null: all connections). */
    private final Map<CloudToDeviceListener, Optional<Filter>> whiteboard = new ConcurrentHashMap<>();
    private final ProvisionerHolder provisioners = new ProvisionerHolder();
    private volatile Map<String, Object> properties = Map.of();
    private volatile HubConnectionSupervisor supervisor;
    /** The identity the current supervisor connects as (see ConnectionConfiguration#identityKey). */
    private String identityKey;

    @Activate
    void activate(Map<String, Object> config) {
        start(config);
    }

    @Modified
    void modified(Map<String, Object> config) {
        LOG.info("{}: configuration changed; reconnecting", new ConnectionConfiguration(config).name);
        start(config);
    }

    @Deactivate
    void deactivate() {
        HubConnectionSupervisor previous;
        synchronized (this) {
            previous = this.supervisor;
            this.supervisor = null;
        }
        if (previous != null) {
            previous.close();
        }
    }

    private void start(Map<String, Object> config) {
        ConnectionConfiguration configuration = new ConnectionConfiguration(config);
        configuration.settings.configurationWarnings()
                .forEach(w -> LOG.warn("{}: configuration: {}", configuration.name, w));
        configuration.settings.configurationProblems()
                .forEach(p -> LOG.warn("{}: configuration cannot work: {}", configuration.name, p));
        IdentityResolver identities = configuration.identitySource == IdentitySource.DPS
                ? this.provisioners.resolverFor(configuration.moduleId)
                : configuration.staticIdentity == null ? unresolved() : IdentityResolver.fixed(
                        configuration.staticIdentity);
        SecureRandom random = new SecureRandom();
        ConnectRateLimiter.GATEWAY.configure(configuration.connectRatePerSecond, configuration.connectBurst);
        // Multiplexed identities share the gateway's AMQP connections and supervisor threads; the others keep a
        // connection and a supervisor thread of their own (their SDK client has several threads anyway).
        HubClientFactory clients = configuration.multiplexed ? MultiplexedClientFactory.GATEWAY
                : new AzureSdkClientFactory();
        SupervisorExecutors.Source threads = configuration.multiplexed ? SharedSupervisorPool.GATEWAY
                : SupervisorExecutors.DEDICATED;
        HubConnectionSupervisor next = new HubConnectionSupervisor(configuration.settings, clients, this.cache,
                identities, trustProvider(configuration), PlannedReconnectGate.GATEWAY, ConnectRateLimiter.GATEWAY,
                threads, Clock.SYSTEM, random::nextDouble);
        HubConnectionSupervisor previous;
        boolean sameIdentity;
        synchronized (this) {
            this.properties = Map.copyOf(config);
            this.connectionListeners.forEach(next::addConnectionListener);
            this.cloudToDeviceListeners.forEach(next::addCloudToDeviceListener);
            this.whiteboard.forEach((listener, filter) -> {
                if (selects(filter)) {
                    next.addCloudToDeviceListener(listener);
                }
            });
            previous = this.supervisor;
            this.supervisor = next;
            sameIdentity = configuration.identityKey.equals(this.identityKey);
            this.identityKey = configuration.identityKey;
        }
        if (previous != null && sameIdentity) {
            // Same identity: what the old connection still holds goes out on the new one.
            previous.handOverTo(next);
        } else if (previous != null) {
            previous.close();
        }
        next.start();
    }

    private TrustProvider trustProvider(ConnectionConfiguration configuration) {
        switch (configuration.trustSource) {
        case KEYSTORE:
            return () -> {
                KeystoreService service = this.truststore;
                if (service == null) {
                    throw new TrustUnavailableException("no keystore service matches TruststoreKeystoreService.target");
                }
                try {
                    return TrustContexts.fromKeyStore(service.getKeyStore());
                } catch (KuraException e) {
                    throw new TrustUnavailableException("the keystore service failed: " + e.getMessage(), e);
                }
            };
        case PEM_FILE:
            return () -> TrustContexts.fromPemFile(configuration.pemFile);
        default:
            return TrustProvider.SYSTEM;
        }
    }

    private static IdentityResolver unresolved() {
        return new ProvisionedIdentity(null); // never bound: no identity; the status shows the configuration problem
    }

    // ---------------------------------------------------------------------------------------------------------
    // References

    @Reference(name = "DeviceProvisioner", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindDeviceProvisioner(DeviceProvisioner provisioner) {
        this.provisioners.bind(provisioner);
    }

    void unbindDeviceProvisioner(DeviceProvisioner provisioner) {
        this.provisioners.unbind(provisioner);
    }

    @Reference(name = "CloudToDeviceListener", cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void bindCloudToDeviceListener(CloudToDeviceListener listener, Map<String, Object> serviceProperties) {
        Optional<Filter> filter = filterOf(serviceProperties);
        if (filter == null) {
            return;
        }
        synchronized (this) {
            this.whiteboard.put(listener, filter);
            HubConnectionSupervisor current = this.supervisor;
            if (current != null && selects(filter)) {
                current.addCloudToDeviceListener(listener);
            }
        }
    }

    void unbindCloudToDeviceListener(CloudToDeviceListener listener) {
        synchronized (this) {
            this.whiteboard.remove(listener);
            HubConnectionSupervisor current = this.supervisor;
            if (current != null && !this.cloudToDeviceListeners.contains(listener)) {
                current.removeCloudToDeviceListener(listener);
            }
        }
    }

    /** @return the listener's filter (empty: all connections), or null when it is malformed */
    private static Optional<Filter> filterOf(Map<String, Object> serviceProperties) {
        Object target = serviceProperties.get(CloudToDeviceListener.CONNECTION_TARGET);
        if (target == null || String.valueOf(target).isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(FrameworkUtil.createFilter(String.valueOf(target)));
        } catch (InvalidSyntaxException e) {
            LOG.warn("Ignoring a cloud-to-device listener with a malformed {} filter '{}': {}",
                    CloudToDeviceListener.CONNECTION_TARGET, target, e.getMessage());
            return null;
        }
    }

    private boolean selects(Optional<Filter> filter) {
        return filter.isEmpty() || filter.get().matches(this.properties);
    }

    // ---------------------------------------------------------------------------------------------------------
    // HubConnection, delegated to the current supervisor

    @Override
    public CompletionStage<MessageReceipt> send(TelemetryMessage message) {
        HubConnectionSupervisor current = this.supervisor;
        if (current == null) {
            return CompletableFuture.failedStage(new SendException(SendFailure.CLOSED,
                    message.messageId().orElse(null), "the connection is not active"));
        }
        return current.send(message);
    }

    @Override
    public ConnectionState state() {
        HubConnectionSupervisor current = this.supervisor;
        return current == null ? ConnectionState.CLOSED : current.state();
    }

    @Override
    public ConnectionStatus status() {
        HubConnectionSupervisor current = this.supervisor;
        if (current == null) {
            return ConnectionStatus.builder().name(new ConnectionConfiguration(this.properties).name)
                    .state(ConnectionState.CLOSED, ConnectionReason.DEACTIVATED, null, Instant.now()).build();
        }
        return current.status();
    }

    @Override
    public Optional<HubIdentity> identity() {
        HubConnectionSupervisor current = this.supervisor;
        return current == null ? Optional.empty() : current.identity();
    }

    @Override
    public synchronized void addConnectionListener(ConnectionListener listener) {
        this.connectionListeners.add(listener);
        if (this.supervisor != null) {
            this.supervisor.addConnectionListener(listener);
        }
    }

    @Override
    public synchronized void removeConnectionListener(ConnectionListener listener) {
        this.connectionListeners.remove(listener);
        if (this.supervisor != null) {
            this.supervisor.removeConnectionListener(listener);
        }
    }

    @Override
    public synchronized void addCloudToDeviceListener(CloudToDeviceListener listener) {
        this.cloudToDeviceListeners.add(listener);
        if (this.supervisor != null) {
            this.supervisor.addCloudToDeviceListener(listener);
        }
    }

    @Override
    public synchronized void removeCloudToDeviceListener(CloudToDeviceListener listener) {
        this.cloudToDeviceListeners.remove(listener);
        if (this.supervisor != null && !this.whiteboard.containsKey(listener)) {
            this.supervisor.removeCloudToDeviceListener(listener);
        }
    }

    /**
     * The provisioner reference outlives supervisors (a reconfiguration keeps the bound service); each DPS
     * supervisor gets a resolver fed from here.
     */
    private static final class ProvisionerHolder {

        private DeviceProvisioner bound;
        private ProvisionedIdentity resolver;

        synchronized void bind(DeviceProvisioner provisioner) {
            if (this.resolver != null && this.bound != null) {
                this.resolver.unbind(this.bound);
            }
            this.bound = provisioner;
            if (this.resolver != null) {
                this.resolver.bind(provisioner);
            }
        }

        synchronized void unbind(DeviceProvisioner provisioner) {
            if (this.bound != provisioner) {
                return;
            }
            if (this.resolver != null) {
                this.resolver.unbind(provisioner);
            }
            this.bound = null;
        }

        synchronized IdentityResolver resolverFor(String moduleId) {
            if (this.resolver != null && this.bound != null) {
                this.resolver.unbind(this.bound);
            }
            this.resolver = new ProvisionedIdentity(moduleId);
            if (this.bound != null) {
                this.resolver.bind(this.bound);
            }
            return this.resolver;
        }
    }
}
