package io.azurekura.connector.hub.component;

/** Where the trusted CAs for the hub's TLS certificate come from. */
enum TrustSource {
    SYSTEM,
    KEYSTORE,
    PEM_FILE
}
