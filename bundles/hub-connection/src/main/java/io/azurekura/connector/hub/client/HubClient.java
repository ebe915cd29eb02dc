package io.azurekura.connector.hub.client;

import java.util.function.Consumer;

import io.azurekura.connector.api.hub.TelemetryMessage;

/**
 * One connection to IoT Hub: created, opened once, closed once. A new connection (after a renewal or a terminal
 * failure) is a new client, because the Azure SDK cannot reopen a client whose transport gave up.
 */
public interface HubClient {

    /**
     * Connects; blocks until connected or failed. Call it on the supervisor's thread, never on an SDK thread.
     *
     * @throws HubClientException classified with the connection reason
     */
    void open() throws HubClientException;

    /**
     * Hands a message over without blocking. {@code onResult} is called exactly once, usually on an SDK thread.
     *
     * @throws IllegalStateException when the client is not open
     */
    void send(TelemetryMessage message, Consumer<SendResult> onResult);

    /**
     * Disconnects and stops the client's threads; blocks until done; idempotent. Messages not yet acknowledged are
     * reported as {@link SendResult.Kind#CANCELLED}.
     */
    void close();
}
