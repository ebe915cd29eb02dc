package io.azurekura.connector.api.hub;

/**
 * Why a connection is in its current state. The first seven mirror the Azure SDK's connection status reasons; the
 * rest are the connector's own.
 */
public enum ConnectionReason {
    /** Connected. */
    CONNECTION_OK,
    /**
     * The hub closed the connection because its token expired. Routine with the SDK's defaults over MQTT; with the
     * connector's planned renewal it only happens when renewals failed (see the token cache's status).
     */
    EXPIRED_SAS_TOKEN,
    /**
     * The hub refused the token (MQTT CONNACK 5, AMQP/HTTP 401). The token is invalidated and fetched again; if
     * fresh tokens keep being refused, a DPS-provisioned connection asks for reprovisioning.
     */
    BAD_CREDENTIAL,
    /** The network is unreachable or the connection was lost; the SDK is retrying. */
    NO_NETWORK,
    /**
     * A non-retryable protocol or transport error. Includes MQTT CONNACK 4 ("bad user name or password"), which the
     * SDK reports this way instead of as a bad credential.
     */
    COMMUNICATION_ERROR,
    /** The SDK gave up reconnecting after its operation timeout; the connector opens a new client. */
    RETRY_EXPIRED,
    /** The client was closed by the connector. */
    CLIENT_CLOSE,
    /** Starting: the first connection attempt (or waiting to make it). */
    STARTING,
    /** A planned reconnect to use a renewed token (MQTT). */
    TOKEN_RENEWAL,
    /** No valid token is available from the token cache yet (see the cache's status for the token server error). */
    TOKEN_UNAVAILABLE,
    /** DPS has not assigned this connection's identity yet, or no provisioner is available. */
    IDENTITY_UNAVAILABLE,
    /** DPS assigned a different hub or device id; reconnecting to it. */
    IDENTITY_CHANGED,
    /** The configured trust store cannot be used (keystore service missing, PEM file unreadable). */
    TRUST_UNAVAILABLE,
    /** The configuration is invalid; {@link ConnectionStatus#configurationProblems()} lists the problems. */
    CONFIGURATION,
    /** The component was deactivated. */
    DEACTIVATED
}
