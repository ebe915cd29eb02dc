package io.azurekura.connector.sts.internal;

/** How the gateway proves itself to the token server. */
public enum AuthMode {
    /** No credentials (e.g. the STS trusts the network). */
    NONE,
    /** {@code Authorization: Bearer <secret>}. */
    BEARER,
    /** {@code <header>: <secret>}. */
    API_KEY,
    /** TLS client certificate from a Kura keystore. */
    CLIENT_CERTIFICATE
}
