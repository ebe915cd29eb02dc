package io.azurekura.connector.cloud.tracking;

import java.util.Optional;

import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

import io.azurekura.connector.cloud.CloudComponents;

/**
 * Follows the CloudEndpoint a publisher or subscriber belongs to, found by the {@code kura.service.pid} in its
 * {@code cloud.endpoint.service.pid} property (Kura's UI sets it when the instance is created), and keeps the
 * {@link ConnectionRelay} registered with whichever endpoint instance is current.
 */
public final class EndpointTracker implements AutoCloseable {

    /** Told when the endpoint (re)appears and before it goes, e.g. to (un)register a subscription. */
    public interface Listener {

        void endpointAdded(CloudEndpoint endpoint);

        void endpointRemoved(CloudEndpoint endpoint);
    }

    private final String endpointPid;
    private final ConnectionRelay relay;
    private final Listener listener;
    private final ServiceTracker<CloudEndpoint, CloudEndpoint> tracker;

    public EndpointTracker(BundleContext context, String endpointPid, ConnectionRelay relay, Listener listener) {
        this.endpointPid = endpointPid;
        this.relay = relay;
        this.listener = listener;
        this.tracker = new ServiceTracker<>(context, filter(context, endpointPid), new Customizer(context));
        this.tracker.open();
    }

    private static Filter filter(BundleContext context, String endpointPid) {
        try {
            return context.createFilter("(&(" + Constants.OBJECTCLASS + "=" + CloudEndpoint.class.getName() + ")("
                    + CloudComponents.KURA_SERVICE_PID + "=" + escape(endpointPid) + "))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("cannot track endpoint " + endpointPid, e);
        }
    }

    static String escape(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '(' || c == ')' || c == '*') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    public String endpointPid() {
        return this.endpointPid;
    }

    public Optional<CloudEndpoint> endpoint() {
        return Optional.ofNullable(this.tracker.getService());
    }

    @Override
    public void close() {
        this.tracker.close();
    }

    private final class Customizer implements ServiceTrackerCustomizer<CloudEndpoint, CloudEndpoint> {

        private final BundleContext context;

        Customizer(BundleContext context) {
            this.context = context;
        }

        @Override
        public CloudEndpoint addingService(ServiceReference<CloudEndpoint> reference) {
            CloudEndpoint endpoint = this.context.getService(reference);
            if (endpoint == null) {
                return null;
            }
            if (endpoint instanceof CloudConnectionManager) {
                CloudConnectionManager manager = (CloudConnectionManager) endpoint;
                manager.registerCloudConnectionListener(EndpointTracker.this.relay);
                if (manager.isConnected()) {
                    EndpointTracker.this.relay.onConnectionEstablished();
                }
            }
            EndpointTracker.this.listener.endpointAdded(endpoint);
            return endpoint;
        }

        @Override
        public void modifiedService(ServiceReference<CloudEndpoint> reference, CloudEndpoint endpoint) {
            // properties only; the instance stays
        }

        @Override
        public void removedService(ServiceReference<CloudEndpoint> reference, CloudEndpoint endpoint) {
            EndpointTracker.this.listener.endpointRemoved(endpoint);
            if (endpoint instanceof CloudConnectionManager) {
                ((CloudConnectionManager) endpoint).unregisterCloudConnectionListener(EndpointTracker.this.relay);
            }
            EndpointTracker.this.relay.onDisconnected();
            this.context.ungetService(reference);
        }
    }
}
