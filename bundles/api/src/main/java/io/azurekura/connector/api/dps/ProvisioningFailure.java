package io.azurekura.connector.api.dps;

/** Classified reasons a registration did not produce an assignment. */
public enum ProvisioningFailure {
    /** The provisioner's configuration is incomplete or invalid (ID scope, registration id, endpoint, payload). */
    CONFIGURATION(true),
    /** No valid registration token could be obtained from the token server in time. */
    TOKEN_UNAVAILABLE(false),
    /** DPS refused the token (HTTP 401/403) even after one renewal. */
    UNAUTHORIZED(true),
    /** DPS rejected the request (HTTP 400, or another 4xx that retrying cannot fix). */
    BAD_REQUEST(true),
    /** DPS does not know the ID scope, enrollment or operation (HTTP 404). */
    NOT_FOUND(true),
    /** DPS finished the registration with status {@code failed} (see the DPS error code). */
    REGISTRATION_FAILED(true),
    /** The enrollment or registration is disabled in DPS (status {@code disabled}). */
    DEVICE_DISABLED(true),
    /** DPS kept throttling (HTTP 429) until the overall timeout. */
    THROTTLED(false),
    /** DPS answered with a server error (HTTP 5xx) until the overall timeout. */
    SERVER_ERROR(false),
    /**
     * DPS (or the saved copy of its answer) named a hub or device id this provisioner does not accept: not a plain
     * host name, not under an allowed hub host name suffix, or not a valid IoT Hub device id. Nothing is saved or
     * used; check the DPS allocation (or the provisioner's list of allowed hubs).
     *
     * @since 1.1
     */
    ASSIGNMENT_REFUSED(true),
    /** DPS answered with a body that is not the expected JSON. */
    MALFORMED_RESPONSE(false),
    /** Connection refused, reset, or the host name does not resolve. */
    NETWORK(false),
    /** A request, or the whole registration, took longer than allowed. */
    TIMEOUT(false),
    /** The TLS handshake with DPS failed (untrusted certificate, host name mismatch). */
    TLS(false),
    /** Anything else; a bug if it ever shows up. */
    INTERNAL(false);

    private final boolean terminal;

    ProvisioningFailure(boolean terminal) {
        this.terminal = terminal;
    }

    /**
     * True when repeating the same request cannot succeed until something changes in DPS or in the configuration;
     * the provisioner then waits its longest retry interval instead of backing off from a short one.
     */
    public boolean isTerminal() {
        return this.terminal;
    }
}
