package io.azurekura.connector.api.hub;

/** How the connection reaches IoT Hub. */
public enum Transport {
    /** MQTT 3.1.1 over TLS, port 8883. Tokens are renewed by a planned reconnect before they expire. */
    MQTT(true),
    /** MQTT over WebSocket over TLS, port 443 (for networks that only allow HTTPS). Renewed like MQTT. */
    MQTT_WS(true),
    /** AMQP 1.0 over TLS, port 5671. Tokens are renewed on the open connection (CBS put-token), no reconnect. */
    AMQPS(false),
    /** AMQP over WebSocket over TLS, port 443. Renewed on the open connection like AMQPS. */
    AMQPS_WS(false);

    private final boolean reconnectsToRenew;

    Transport(boolean reconnectsToRenew) {
        this.reconnectsToRenew = reconnectsToRenew;
    }

    /**
     * True when a new token only takes effect on a new connection: MQTT 3.1.1 authenticates once, at CONNECT, so
     * the connector reconnects with the renewed token before the old one expires.
     */
    public boolean reconnectsToRenew() {
        return this.reconnectsToRenew;
    }
}
