package io.azurekura.connector.testsupport.hub;

import java.time.Instant;

/**
 * One entry in the emulator's connection log, for measuring reconnect gaps and asserting on what happened.
 *
 * @param time when the emulator decided (CONNACK or put-token answer sent, refusal sent, connection closed or seen
 *            closed, links detached)
 * @param clientId {@code deviceId} or {@code deviceId/moduleId} (the MQTT client id, or the identity a put-token's
 *            audience names)
 * @param kind connected, refused or disconnected; over AMQP: first put-token accepted on a connection, put-token
 *            answered 401, authorization ended (links detached, connection closed)
 * @param refusal why it was refused; null unless {@link Kind#REFUSED}
 * @param disconnectReason why it ended; null unless {@link Kind#DISCONNECTED}
 * @param tokenExpiry the accepted token's {@code se}; null unless {@link Kind#CONNECTED}
 * @param transport MQTT or AMQPS
 */
public record ConnectionEvent(Instant time, String clientId, Kind kind, ConnectRefusal refusal,
        DisconnectReason disconnectReason, Instant tokenExpiry, HubTransport transport) {

    /** What happened. */
    public enum Kind {
        CONNECTED, REFUSED, DISCONNECTED
    }

    static ConnectionEvent connected(Instant time, String clientId, Instant tokenExpiry, HubTransport transport) {
        return new ConnectionEvent(time, clientId, Kind.CONNECTED, null, null, tokenExpiry, transport);
    }

    static ConnectionEvent refused(Instant time, String clientId, ConnectRefusal refusal, HubTransport transport) {
        return new ConnectionEvent(time, clientId, Kind.REFUSED, refusal, null, null, transport);
    }

    static ConnectionEvent disconnected(Instant time, String clientId, DisconnectReason reason,
            HubTransport transport) {
        return new ConnectionEvent(time, clientId, Kind.DISCONNECTED, null, reason, null, transport);
    }
}
