package io.azurekura.connector.cache.internal;

import java.time.Duration;

import io.azurekura.connector.common.backoff.ExponentialBackoff;

/**
 * When to renew and how to retry.
 * <p>
 * Renewal is due at {@code fraction} of the lifetime the token server actually issued ({@code se} minus time of
 * receipt), pulled earlier (never later) by up to {@code jitter} of that lifetime so a gateway's identities spread
 * out. Earlier-only matters: the SDK's AMQP transport asks for a new token at 85 % of the remaining life, so ours
 * must already be there. A safety margin before expiry (5 min by default, like AWS and Greengrass) is a hard
 * bound, scaled down to a tenth of the lifetime for short lifetimes so test tokens of seconds still renew at the
 * configured fraction.
 */
public final class RenewalPolicy {

    private final double fraction;
    private final double jitter;
    private final Duration safetyMargin;
    private final ExponentialBackoff backoff;
    private final Duration invalidateMinInterval;
    private final Duration fetchMinInterval;

    /**
     * Default floor between two planned fetches of one identity, whatever the token's lifetime. 5 s: far below any
     * real token's renewal interval, and still lets 10 s test tokens renew at half their life before expiry.
     */
    public static final Duration DEFAULT_FETCH_MIN_INTERVAL = Duration.ofSeconds(5);

    public RenewalPolicy(double fraction, double jitter, Duration safetyMargin, ExponentialBackoff backoff,
            Duration invalidateMinInterval) {
        this(fraction, jitter, safetyMargin, backoff, invalidateMinInterval, DEFAULT_FETCH_MIN_INTERVAL);
    }

    /**
     * @param fetchMinInterval least time from the start of one fetch of an identity to the start of its next
     *            planned renewal: a token server issuing very short tokens must not turn renewal into polling
     */
    public RenewalPolicy(double fraction, double jitter, Duration safetyMargin, ExponentialBackoff backoff,
            Duration invalidateMinInterval, Duration fetchMinInterval) {
        if (!(fraction > 0 && fraction < 1) || !(jitter >= 0 && jitter < fraction)) {
            throw new IllegalArgumentException("need 0 < fraction < 1 and 0 <= jitter < fraction");
        }
        this.fraction = fraction;
        this.jitter = jitter;
        this.safetyMargin = safetyMargin;
        this.backoff = backoff;
        this.invalidateMinInterval = invalidateMinInterval;
        this.fetchMinInterval = fetchMinInterval;
    }

    public Duration fetchMinInterval() {
        return this.fetchMinInterval;
    }

    /**
     * @param lifetimeMillis {@code se} minus the wall time the token arrived; must be positive
     * @param random uniform in [0, 1)
     * @return delay from receipt until the renewal fetch starts
     */
    public long renewalDelayMillis(long lifetimeMillis, double random) {
        // Short lifetimes (tests, aggressive STS policies) get at most a tenth of their life as margin.
        long latestByMargin = lifetimeMillis - Math.min(this.safetyMargin.toMillis(), lifetimeMillis / 10);
        long atFraction = (long) (lifetimeMillis * (this.fraction - this.jitter * random));
        return Math.max(0, Math.min(atFraction, latestByMargin));
    }

    public ExponentialBackoff backoff() {
        return this.backoff;
    }

    public Duration invalidateMinInterval() {
        return this.invalidateMinInterval;
    }

    public double fraction() {
        return this.fraction;
    }

    public double jitter() {
        return this.jitter;
    }
}
