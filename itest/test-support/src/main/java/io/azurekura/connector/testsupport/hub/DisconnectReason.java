package io.azurekura.connector.testsupport.hub;

/** Why an accepted connection ended. */
public enum DisconnectReason {
    /** The client sent DISCONNECT (e.g. {@code DeviceClient.close()}). */
    CLIENT_DISCONNECT,
    /** The socket closed without DISCONNECT (client crash, network, keep-alive timeout). */
    CONNECTION_LOST,
    /** The hub closed it because the token's {@code se} plus the grace had passed: an "expiry drop". */
    TOKEN_EXPIRED,
    /** Another CONNECT with the same client id took over. */
    KICKED,
    /** {@link IotHubEmulator#stop()} or {@link IotHubEmulator#close()}. */
    HUB_STOPPED,
    /** The client published to, or used QoS on, a topic IoT Hub does not accept. */
    PROTOCOL_VIOLATION,
    /** {@link IotHubEmulator#dropConnection(String)}. */
    DROPPED_BY_TEST
}
