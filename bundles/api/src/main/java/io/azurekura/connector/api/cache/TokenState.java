package io.azurekura.connector.api.cache;

/** Lifecycle of the token for one scope. */
public enum TokenState {
    /** No token yet; the first fetch is under way or being retried. */
    PENDING,
    /** A valid token is held and its renewal is scheduled. */
    VALID,
    /** A valid token is held and a renewal fetch is in flight. */
    RENEWING,
    /** A valid token is held but renewals are failing; retrying with backoff. */
    FAILING,
    /** The held token has expired and renewals keep failing; still retrying at the backoff cap. */
    EXPIRED
}
