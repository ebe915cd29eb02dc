package io.azurekura.connector.common.backoff;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "full jitter" above a floor: attempt n waits uniformly in
 * [initial, min(max, initial * 2^n)]. The floor keeps a failing peer from seeing a tight loop (plain full jitter can
 * draw ~0); the jitter spreads a fleet's retries. A server's Retry-After raises the wait, never lowers it, and is
 * itself capped so a hostile header cannot park us for days.
 */
public final class ExponentialBackoff {

    private final long initialMillis;
    private final long maxMillis;
    private final long retryAfterCapMillis;
    private final DoubleSupplier random;

    public ExponentialBackoff(Duration initial, Duration max, Duration retryAfterCap, DoubleSupplier random) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max");
        }
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.retryAfterCapMillis = Math.max(retryAfterCap.toMillis(), this.maxMillis);
        this.random = random;
    }

    /** The wait before retry number {@code attempt} (0 = first retry). */
    public Duration delay(int attempt) {
        return delay(attempt, null);
    }

    /** As {@link #delay(int)}, but at least the server's Retry-After (capped). */
    public Duration delay(int attempt, Duration retryAfter) {
        long ceiling = ceilingMillis(attempt);
        long jittered = this.initialMillis + (long) (this.random.getAsDouble() * (ceiling - this.initialMillis));
        if (retryAfter != null && !retryAfter.isNegative()) {
            jittered = Math.max(jittered, Math.min(retryAfter.toMillis(), this.retryAfterCapMillis));
        }
        return Duration.ofMillis(jittered);
    }

    /** The upper bound of the wait for {@code attempt}, before jitter. */
    public long ceilingMillis(int attempt) {
        int shift = Math.min(Math.max(attempt, 0), 40);
        long ceiling = this.initialMillis << shift;
        return ceiling <= 0 || ceiling > this.maxMillis ? this.maxMillis : ceiling;
    }

    public Duration max() {
        return Duration.ofMillis(this.maxMillis);
    }
}
