package io.azurekura.connector.api.hub;

import org.osgi.annotation.versioning.ConsumerType;

/** Told of a connection's state changes, in order, on the connector's callback thread: return quickly. */
@ConsumerType
@FunctionalInterface
public interface ConnectionListener {

    void onConnectionEvent(ConnectionEvent event);
}
