package io.azurekura.connector.api.hub;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One IoT Hub identity's connection, kept open by the connector: it reconnects on its own after network loss or
 * hub restarts, renews MQTT connections before their token expires, and holds messages in a bounded queue while
 * disconnected. Registered as an OSGi service with the instance's {@code kura.service.pid}; select one with a
 * target filter such as {@code (kura.service.pid=gateway-hub)}.
 * <p>
 * All methods are thread-safe and non-blocking.
 */
@ProviderType
public interface HubConnection {

    /**
     * Queues a device-to-cloud message. The stage completes when IoT Hub acknowledged the message (MQTT PUBACK, AMQP
     * disposition), or exceptionally with a {@link SendException} saying why not: among others
     * {@link SendFailure#QUEUE_FULL} at once when the bounded queue is full (the message is never dropped silently)
     * and {@link SendFailure#TIMED_OUT} when it was not acknowledged within the configured message timeout.
     * <p>
     * Delivery is at least once: a message whose acknowledgement was lost in a disconnect is sent again, so the hub
     * may see it twice with the same message id. Completions run on the connector's callback thread: do not block
     * in them.
     */
    CompletionStage<MessageReceipt> send(TelemetryMessage message);

    /** The current state; same as {@code status().state()}. */
    ConnectionState state();

    /** A snapshot of state, last reason, counters and queue depth. */
    ConnectionStatus status();

    /** The identity in use, once known (with DPS, after the first assignment). */
    Optional<HubIdentity> identity();

    /** Told of every state change, on the connector's callback thread. Adding twice has no effect. */
    void addConnectionListener(ConnectionListener listener);

    void removeConnectionListener(ConnectionListener listener);

    /**
     * Receives this connection's cloud-to-device messages, in addition to the {@link CloudToDeviceListener}
     * services selected by the whiteboard. Adding twice has no effect.
     */
    void addCloudToDeviceListener(CloudToDeviceListener listener);

    void removeCloudToDeviceListener(CloudToDeviceListener listener);
}
