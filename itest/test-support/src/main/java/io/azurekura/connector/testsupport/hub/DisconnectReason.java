package io.azurekura.connector.testsupport.hub;

/** Why an accepted connection (MQTT) or an identity's authorization on a connection (AMQP) ended. */
public enum DisconnectReason {
    /**
     * The client sent DISCONNECT (e.g. {@code DeviceClient.close()}); over AMQP, the client closed the identity's
     * links or session (e.g. unregistered it from a multiplexed connection) or closed the connection.
     */
    CLIENT_DISCONNECT,
    /** The socket closed without DISCONNECT or AMQP close (client crash, network, keep-alive timeout). */
    CONNECTION_LOST,
    /**
     * The hub closed it because the token's {@code se} plus the grace had passed: an "expiry drop". Over AMQP the hub
     * detaches only that identity's links; the connection and other identities on it stay.
     */
    TOKEN_EXPIRED,
    /** Another connection with the same identity took over. */
    KICKED,
    /** {@link IotHubEmulator#stop()} or {@link IotHubEmulator#close()}. */
    HUB_STOPPED,
    /** The client published to, or used QoS on, a topic IoT Hub does not accept. */
    PROTOCOL_VIOLATION,
    /** {@link IotHubEmulator#dropConnection(String)} or {@link IotHubEmulator#detachAmqpIdentity(String)}. */
    DROPPED_BY_TEST
}
