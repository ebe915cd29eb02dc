package io.azurekura.connector.testsupport.hub;

import java.time.Instant;

/**
 * One entry in the emulator's connection log, for measuring reconnect gaps and asserting on what happened.
 *
 * @param time when the emulator decided (CONNACK sent, refusal sent, connection closed or seen closed)
 * @param clientId the MQTT client id as presented ({@code deviceId} or {@code deviceId/moduleId})
 * @param kind connected, refused or disconnected
 * @param refusal why it was refused; null unless {@link Kind#REFUSED}
 * @param disconnectReason why it ended; null unless {@link Kind#DISCONNECTED}
 * @param tokenExpiry the accepted token's {@code se}; null unless {@link Kind#CONNECTED}
 */
public record ConnectionEvent(Instant time, String clientId, Kind kind, ConnectRefusal refusal,
        DisconnectReason disconnectReason, Instant tokenExpiry) {

    /** What happened. */
    public enum Kind {
        CONNECTED, REFUSED, DISCONNECTED
    }

    static ConnectionEvent connected(Instant time, String clientId, Instant tokenExpiry) {
        return new ConnectionEvent(time, clientId, Kind.CONNECTED, null, null, tokenExpiry);
    }

    static ConnectionEvent refused(Instant time, String clientId, ConnectRefusal refusal) {
        return new ConnectionEvent(time, clientId, Kind.REFUSED, refusal, null, null);
    }

    static ConnectionEvent disconnected(Instant time, String clientId, DisconnectReason reason) {
        return new ConnectionEvent(time, clientId, Kind.DISCONNECTED, null, reason, null);
    }
}
