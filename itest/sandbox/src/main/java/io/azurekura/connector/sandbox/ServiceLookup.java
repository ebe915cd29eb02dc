package io.azurekura.connector.sandbox;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The connector's services by type and {@code kura.service.pid}, as an application on the gateway would find them,
 * through trackers that follow the services as they come and go. Closing closes every tracker.
 */
final class ServiceLookup implements AutoCloseable {

    private final BundleContext context;
    private final Map<String, ServiceTracker<?, ?>> trackers = new ConcurrentHashMap<>();

    ServiceLookup(BundleContext context) {
        this.context = context;
    }

    /** The service of {@code type} whose kura.service.pid is {@code kuraServicePid}, if registered now. */
    <T> Optional<T> find(Class<T> type, String kuraServicePid) {
        String filter = "(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")(kura.service.pid="
                + kuraServicePid + "))";
        ServiceTracker<?, ?> tracker = this.trackers.computeIfAbsent(filter, f -> {
            try {
                ServiceTracker<Object, Object> opened = new ServiceTracker<>(this.context,
                        this.context.createFilter(f), null);
                opened.open();
                return opened;
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException("bad kura.service.pid " + kuraServicePid, e);
            }
        });
        return Optional.ofNullable(tracker.getService()).map(type::cast);
    }

    /** The one service of {@code type} (the token cache), if registered now. */
    <T> Optional<T> find(Class<T> type) {
        ServiceTracker<?, ?> tracker = this.trackers.computeIfAbsent(type.getName(), name -> {
            ServiceTracker<Object, Object> opened = new ServiceTracker<>(this.context, name, null);
            opened.open();
            return opened;
        });
        return Optional.ofNullable(tracker.getService()).map(type::cast);
    }

    @Override
    public void close() {
        this.trackers.values().forEach(tracker -> {
            try {
                tracker.close();
            } catch (IllegalStateException e) {
                // the framework stopped first
            }
        });
        this.trackers.clear();
    }
}
