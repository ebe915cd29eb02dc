package io.azurekura.connector.cache.internal;

import java.time.Instant;

import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;

/**
 * Everything the cache knows about one scope. Mutable state is guarded by the entry's monitor; the token text the
 * SDK reads is published through a volatile field so the read path takes no lock.
 */
final class ScopeEntry {

    final TokenScope scope;
    /** Published copy for {@code getSasToken()}: read without locking, replaced whole, never mutated. */
    volatile char[] published;

    int handles;
    boolean closed;
    SasToken token;
    TokenState state = TokenState.PENDING;
    boolean fetchInFlight;
    TaskScheduler.Cancellable scheduled;
    long nextFetchWallMillis = -1;
    /** Time kept before expiry by the current renewal schedule; re-applied after a wall-clock jump. */
    long renewalMarginMillis;
    long lastInvalidateMonotonic = Long.MIN_VALUE;
    /** Start of the last fetch, for the floor between two fetches. */
    long lastFetchStartMonotonic = Long.MIN_VALUE;
    /** Invalidations refused by the rate limit since the last accepted one. */
    long ignoredInvalidations;
    long lastRenewedWallMillis = -1;
    long stsCalls;
    long failures;
    int consecutiveFailures;
    String lastError;

    ScopeEntry(TokenScope scope) {
        this.scope = scope;
    }

    /** The state as of {@code wallMillis}: a failing token that has since passed {@code se} is expired. */
    synchronized TokenState effectiveState(long wallMillis) {
        if ((this.state == TokenState.FAILING || this.state == TokenState.RENEWING) && this.token != null
                && this.token.expiresAt().toEpochMilli() <= wallMillis) {
            return TokenState.EXPIRED;
        }
        return this.state;
    }

    synchronized TokenStatus snapshot(long wallMillis) {
        return new TokenStatus(this.scope, effectiveState(wallMillis),
                this.token == null ? null : this.token.expiresAt(),
                this.nextFetchWallMillis < 0 ? null : Instant.ofEpochMilli(this.nextFetchWallMillis),
                this.lastRenewedWallMillis < 0 ? null : Instant.ofEpochMilli(this.lastRenewedWallMillis),
                this.stsCalls, this.failures, this.consecutiveFailures, this.lastError);
    }
}
