package io.azurekura.connector.api.hub;

/** Where a connection is in its lifecycle. {@link ConnectionStatus#reason()} says why it is there. */
public enum ConnectionState {
    /** Not trying to connect yet: waiting for an identity (DPS), a valid token, or a trust store. */
    WAITING,
    /** Opening a connection. */
    CONNECTING,
    /** Connected; messages flow. */
    CONNECTED,
    /** A planned reconnect to put a renewed token into use (MQTT); messages are held and sent right after. */
    RENEWING,
    /** The connection dropped and the SDK is reconnecting by itself; messages are held. */
    RETRYING,
    /** The connection failed for good; the connector opens a new one after a backoff delay. Messages are held. */
    BACKING_OFF,
    /** The configuration cannot work; nothing is attempted until it is changed. Messages fail at once. */
    MISCONFIGURED,
    /** Closed by deactivation. */
    CLOSED
}
