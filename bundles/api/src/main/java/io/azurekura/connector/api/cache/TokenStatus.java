package io.azurekura.connector.api.cache;

import java.time.Instant;
import java.util.Optional;

import io.azurekura.connector.api.token.TokenScope;

/** A snapshot of one scope's token state, for status pages and tests. Contains no token material. */
public final class TokenStatus {

    private final TokenScope scope;
    private final TokenState state;
    private final Instant expiresAt;
    private final Instant nextRenewalAt;
    private final Instant lastRenewedAt;
    private final long stsCalls;
    private final long failures;
    private final int consecutiveFailures;
    private final String lastError;

    public TokenStatus(TokenScope scope, TokenState state, Instant expiresAt, Instant nextRenewalAt,
            Instant lastRenewedAt, long stsCalls, long failures, int consecutiveFailures, String lastError) {
        this.scope = scope;
        this.state = state;
        this.expiresAt = expiresAt;
        this.nextRenewalAt = nextRenewalAt;
        this.lastRenewedAt = lastRenewedAt;
        this.stsCalls = stsCalls;
        this.failures = failures;
        this.consecutiveFailures = consecutiveFailures;
        this.lastError = lastError;
    }

    public TokenScope scope() {
        return this.scope;
    }

    public TokenState state() {
        return this.state;
    }

    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(this.expiresAt);
    }

    /** When the next fetch (renewal or retry) is due. */
    public Optional<Instant> nextRenewalAt() {
        return Optional.ofNullable(this.nextRenewalAt);
    }

    public Optional<Instant> lastRenewedAt() {
        return Optional.ofNullable(this.lastRenewedAt);
    }

    /** Token server requests made for this scope, successful or not. */
    public long stsCalls() {
        return this.stsCalls;
    }

    public long failures() {
        return this.failures;
    }

    public int consecutiveFailures() {
        return this.consecutiveFailures;
    }

    /** The last classified error ({@code FAILURE: message}), if any. */
    public Optional<String> lastError() {
        return Optional.ofNullable(this.lastError);
    }

    @Override
    public String toString() {
        return this.scope + " " + this.state + " expires=" + this.expiresAt + " next=" + this.nextRenewalAt
                + " stsCalls=" + this.stsCalls + " failures=" + this.failures
                + (this.lastError == null ? "" : " lastError=" + this.lastError);
    }
}
