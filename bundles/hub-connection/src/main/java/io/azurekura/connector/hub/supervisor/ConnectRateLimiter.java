package io.azurekura.connector.hub.supervisor;

import java.util.Objects;

import io.azurekura.connector.common.time.Clock;

/**
 * A token bucket for new connections (and multiplexed registrations) across the gateway. IoT Hub throttles new
 * device connections per hub (at least 100/s, 12/s per S1 unit; docs/token-lifecycle.md
 * "Reconnect storms and the hub's connection throttle"), and every new
 * connection also costs the token server a request if the token is not cached: after a restart, N identities must
 * arrive at a bounded rate, not at once.
 * <p>
 * Reservation style: each caller is handed its own future slot ({@link #reserveMillis()}), so N waiting identities
 * wake N times in total, one per slot, instead of all polling for every freed token.
 */
public final class ConnectRateLimiter {

    /** The gateway's bucket, shared by every connection of this bundle (one class loader). */
    public static final ConnectRateLimiter GATEWAY = new ConnectRateLimiter(Clock.SYSTEM, 10, 10);
    /** No limit: for tests and tools that measure something else. */
    public static final ConnectRateLimiter UNLIMITED = new ConnectRateLimiter(Clock.SYSTEM, Double.POSITIVE_INFINITY,
            Integer.MAX_VALUE);

    private final Clock clock;
    private double perSecond;
    private int burst;
    /** May go negative: slots already promised to waiting callers. */
    private double tokens;
    private long refilledAtNanos;

    public ConnectRateLimiter(Clock clock, double perSecond, int burst) {
        this.clock = Objects.requireNonNull(clock, "clock");
        validate(perSecond, burst);
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.refilledAtNanos = clock.monotonicNanos();
    }

    /**
     * Changes rate and burst; slots already handed out keep their time.
     *
     * @throws IllegalArgumentException unless {@code perSecond > 0} and {@code burst >= 1}
     */
    public synchronized void configure(double perSecond, int burst) {
        validate(perSecond, burst);
        refill();
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = Math.min(this.tokens, burst);
    }

    /**
     * Takes the next free slot.
     *
     * @return 0 to go now, otherwise how long to wait before connecting (the slot is held for the caller)
     */
    public synchronized long reserveMillis() {
        if (Double.isInfinite(this.perSecond)) {
            return 0;
        }
        refill();
        this.tokens -= 1;
        if (this.tokens >= 0) {
            return 0;
        }
        return (long) Math.ceil(-this.tokens / this.perSecond * 1000);
    }

    public synchronized double perSecond() {
        return this.perSecond;
    }

    public synchronized int burst() {
        return this.burst;
    }

    private void refill() {
        long now = this.clock.monotonicNanos();
        double earned = (now - this.refilledAtNanos) / 1e9 * this.perSecond;
        this.refilledAtNanos = now;
        if (!Double.isInfinite(earned)) {
            this.tokens = Math.min(this.burst, this.tokens + earned);
        }
    }

    private static void validate(double perSecond, int burst) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("need a positive rate and a burst of at least 1");
        }
    }
}
