package io.azurekura.connector.hub.client;

/** The SDK's connection states (IotHubConnectionStatus). */
public enum ClientStatus {
    CONNECTED,
    /** The connection dropped and the client is reconnecting by itself. */
    DISCONNECTED_RETRYING,
    /** The client gave up; only a new client can connect again. */
    DISCONNECTED
}
