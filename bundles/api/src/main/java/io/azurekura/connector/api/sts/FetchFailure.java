package io.azurekura.connector.api.sts;

/** Classified reasons a token could not be obtained. */
public enum FetchFailure {
    /** The token source is not configured (or misconfigured); fixing the configuration is the remedy. */
    NOT_CONFIGURED,
    /** Connection refused, reset or dropped, or the host name does not resolve. */
    UNREACHABLE,
    /** Connect or read timeout. */
    TIMEOUT,
    /** TLS handshake failed: untrusted certificate, host name mismatch, client certificate refused. */
    TLS,
    /** The token server answered with a non-success HTTP status (see {@link TokenFetchException#httpStatus()}). */
    HTTP_STATUS,
    /** The response body exceeded the configured size cap. */
    RESPONSE_TOO_LARGE,
    /** Empty, non-UTF-8, unparsable body, or a token the SDK could not parse. */
    MALFORMED,
    /** The token's {@code sr} is not the audience asked for. */
    WRONG_AUDIENCE,
    /** The token is already expired or has less than the minimum remaining life. */
    EXPIRED,
    /** The token's expiry is further away than the configured maximum lifetime. */
    LIFETIME_TOO_LONG,
    /** Anything else; a bug if it ever shows up. */
    INTERNAL
}
