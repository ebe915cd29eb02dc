package io.azurekura.connector.cloud.endpoint;

import java.util.concurrent.CompletionStage;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;

import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;

/**
 * What this bundle's publishers need from its endpoint beyond Kura's CloudEndpoint: a send that reports the hub's
 * acknowledgement of that very message. Bundle-internal (never exported); the endpoint service object implements it.
 */
public interface HubCloudEndpoint extends CloudEndpoint, CloudConnectionManager {

    /**
     * Queues {@code message} on the stack's hub connection. The stage completes on the endpoint's notification
     * thread when IoT Hub acknowledged it, after the endpoint's own delivery listeners were told.
     *
     * @throws KuraException at once when the connection is disconnected (no hub connection) or refuses the
     *             message (full queue, invalid message, misconfigured connection)
     */
    CompletionStage<MessageReceipt> send(TelemetryMessage message) throws KuraException;

    /**
     * Shows a publisher's or subscriber's configuration problems in this connection's status ({@code getInfo()}),
     * since Kura has no status page for them; an empty list clears them.
     */
    void reportConfiguration(String component, java.util.List<String> problems);
}
