package io.azurekura.connector.testsupport.hub;

/** The protocol an identity used with the emulator. */
public enum HubTransport {
    /** MQTT 3.1.1 over TLS (port 8883): one connection per identity. */
    MQTT,
    /** AMQP 1.0 over TLS (port 5671): any number of identities per connection, each authorized by CBS put-token. */
    AMQPS
}
