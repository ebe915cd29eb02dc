package io.azurekura.connector.cloud.subscriber;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.subscriber.CloudSubscriber;
import org.eclipse.kura.cloudconnection.subscriber.listener.CloudSubscriberListener;
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

import io.azurekura.connector.cloud.CloudComponents;
import io.azurekura.connector.cloud.message.SubscriptionFilter;
import io.azurekura.connector.cloud.tracking.ConnectionRelay;
import io.azurekura.connector.cloud.tracking.EndpointTracker;
import io.azurekura.connector.common.kura.ConfigurationReader;

/**
 * A Kura CloudSubscriber for one Azure IoT Hub cloud connection: registers itself with the connection's endpoint
 * (with its property filter) and hands each cloud-to-device message to its listeners. Found by Kura's UI like the
 * publisher (DS 1.1 description with {@code service.pid}, see bnd.bnd).
 */
@Component(name = CloudComponents.SUBSCRIBER_FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = { CloudSubscriber.class, ConfigurableComponent.class },
        property = { "service.pid=" + CloudComponents.SUBSCRIBER_FACTORY_PID,
                CloudComponents.CLOUD_CONNECTION_FACTORY_PID + "=" + CloudComponents.ENDPOINT_FACTORY_PID,
                CloudComponents.KURA_UI_SERVICE_HIDE + ":Boolean=true",
                CloudComponents.KURA_UI_FACTORY_HIDE + "=true" })
@Designate(ocd = SubscriberConfiguration.class, factory = true)
public final class AzureIotHubSubscriber implements CloudSubscriber, ConfigurableComponent {

    private static final Logger LOG = LoggerFactory.getLogger(AzureIotHubSubscriber.class);

    private final ConnectionRelay relay = new ConnectionRelay();
    private final Set<CloudSubscriberListener> listeners = new CopyOnWriteArraySet<>();
    /** What this subscriber registers with the endpoint. */
    private final CloudSubscriberListener fanOut = this::deliver;
    private final EndpointTracker.Listener subscription = new EndpointTracker.Listener() {

        @Override
        public void endpointAdded(CloudEndpoint endpoint) {
            endpoint.registerSubscriber(AzureIotHubSubscriber.this.filter.toSubscriptionProperties(),
                    AzureIotHubSubscriber.this.fanOut);
        }

        @Override
        public void endpointRemoved(CloudEndpoint endpoint) {
            endpoint.unregisterSubscriber(AzureIotHubSubscriber.this.fanOut);
        }
    };

    private BundleContext context;
    private String pid = "?";
    private String endpointPid;
    private volatile SubscriptionFilter filter = SubscriptionFilter.ALL;
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
        closeTracker();
    }

    private synchronized void update(Map<String, Object> properties) {
        this.pid = String.valueOf(properties.get(CloudComponents.KURA_SERVICE_PID));
        ConfigurationReader reader = new ConfigurationReader(properties);
        SubscriptionFilter next = SubscriptionFilter.of(reader.string("filter.property.name", ""),
                reader.string("filter.property.value", ""));
        Object configured = properties.get(CloudComponents.CLOUD_ENDPOINT_SERVICE_PID);
        String wanted = configured == null ? null : String.valueOf(configured);
        if (this.tracker != null && next.equals(this.filter) && Objects.equals(wanted, this.endpointPid)) {
            return;
        }
        // A new filter is registered by re-subscribing: close (unregisters) and track again
        closeTracker();
        this.filter = next;
        this.endpointPid = wanted;
        if (wanted == null || wanted.isBlank()) {
            LOG.warn("Subscriber {} names no cloud connection ({} is not set): it receives nothing", this.pid,
                    CloudComponents.CLOUD_ENDPOINT_SERVICE_PID);
            return;
        }
        this.tracker = new EndpointTracker(this.context, wanted, this.relay, this.subscription);
        LOG.info("Subscriber {} receives {} from cloud connection {}", this.pid, next, wanted);
    }

    private void closeTracker() {
        if (this.tracker != null) {
            this.tracker.close();
            this.tracker = null;
        }
    }

    /**
     * From the endpoint, on the hub connection's callback thread. Every listener runs; if one failed, the failure
     * goes back to the endpoint so that IoT Hub delivers the message again (at least once).
     */
    private void deliver(KuraMessage message) {
        int failed = 0;
        for (CloudSubscriberListener listener : this.listeners) {
            try {
                listener.onMessageArrived(this.listeners.size() == 1 ? message : copy(message));
            } catch (RuntimeException e) {
                failed++;
                // The type only: a listener's exception text may quote the message's content.
                LOG.warn("Subscriber {}: a listener failed: {}", this.pid, e.getClass().getName());
            }
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " listener(s) of subscriber " + this.pid + " failed");
        }
    }

    /** Each listener gets its own (mutable) properties map; the payload is shared, as Kura's subscribers do. */
    private static KuraMessage copy(KuraMessage message) {
        return new KuraMessage(message.getPayload(), message.getProperties());
    }

    @Override
    public void registerCloudSubscriberListener(CloudSubscriberListener listener) {
        this.listeners.add(listener);
    }

    @Override
    public void unregisterCloudSubscriberListener(CloudSubscriberListener listener) {
        this.listeners.remove(listener);
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener listener) {
        this.relay.add(listener);
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener listener) {
        this.relay.remove(listener);
    }
}
