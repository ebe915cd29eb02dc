package io.azurekura.connector.api.hub;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives cloud-to-device messages. Register an implementation as an OSGi service (whiteboard): every hub
 * connection delivers its messages to it, or only the connections matched by the LDAP filter in the service
 * property {@value #CONNECTION_TARGET}, e.g. {@code (kura.service.pid=gateway-hub)}.
 * <p>
 * Called on the connection's callback thread, one message at a time: return quickly. The message is acknowledged
 * to IoT Hub only after every listener returned normally (at least once): a listener that throws, or that has not
 * returned within the connection's bound, leaves the message with IoT Hub, which delivers it again (possibly to
 * all listeners, so make handling idempotent). After a few failed deliveries of the same message it is given up
 * and counted in {@link ConnectionStatus#cloudToDeviceGivenUp()}.
 */
@ConsumerType
@FunctionalInterface
public interface CloudToDeviceListener {

    /** Service property: LDAP filter over the hub connection's service properties; absent means all connections. */
    String CONNECTION_TARGET = "hub.connection.target";

    void onCloudToDeviceMessage(CloudToDeviceMessage message);
}
