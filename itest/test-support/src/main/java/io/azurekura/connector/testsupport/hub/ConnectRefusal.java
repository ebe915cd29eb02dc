package io.azurekura.connector.testsupport.hub;

/**
 * Why the emulator refused a CONNECT, with the CONNACK return code IoT Hub sends for it: every credential problem is
 * 5 "not authorized" (docs/iot-hub-mqtt.md "CONNACK codes"), a throttled or unavailable hub is 3.
 */
public enum ConnectRefusal {
    /** Not MQTT 3.1.1. */
    UNSUPPORTED_PROTOCOL(1, false),
    /** {@link IotHubEmulator#throttle(boolean)} is on. */
    THROTTLED(3, false),
    /** The username is not {@code {accepted host}/{clientId}/?api-version=...}. */
    BAD_USERNAME(5, true),
    /** No device or module with that client id in the registry. */
    UNKNOWN_IDENTITY(5, true),
    /** No password. */
    MISSING_TOKEN(5, true),
    /** The password is not a well-formed SAS token. */
    MALFORMED_TOKEN(5, true),
    /** The token's {@code sr} is not this device's or module's audience on an accepted host. */
    WRONG_AUDIENCE(5, true),
    /** The token was not signed with the registered key. */
    BAD_SIGNATURE(5, true),
    /** The token's {@code se} has passed. */
    EXPIRED_TOKEN(5, true),
    /**
     * AMQP: the CBS put-token {@code name} is none of {@code {host}/devices/{d}[/modules/{m}]}, raw or URL-encoded,
     * or names another identity than the token's audience (IoT Hub answers 401).
     */
    BAD_CBS_NAME(5, true),
    /** AMQP: SASL with a mechanism other than ANONYMOUS (SAS tokens go over CBS; X.509 is not emulated). */
    UNSUPPORTED_SASL_MECHANISM(5, true),
    /** AMQP: a device link for an identity that no accepted put-token authorized on this connection. */
    UNAUTHORIZED_LINK(5, true);

    private final int returnCode;
    private final boolean authFailure;

    ConnectRefusal(int returnCode, boolean authFailure) {
        this.returnCode = returnCode;
        this.authFailure = authFailure;
    }

    /** The CONNACK return code sent to the client. */
    public int returnCode() {
        return this.returnCode;
    }

    /** True for credential problems (counted as auth failures), false for protocol and availability refusals. */
    public boolean isAuthFailure() {
        return this.authFailure;
    }
}
