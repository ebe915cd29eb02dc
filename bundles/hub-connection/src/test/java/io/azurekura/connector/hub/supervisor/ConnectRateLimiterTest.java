package io.azurekura.connector.hub.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.common.time.Clock;

class ConnectRateLimiterTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock implements Clock {
        long nanos;

        @Override
        public long monotonicNanos() {
            return this.nanos;
        }

        @Override
        public long wallMillis() {
            return this.nanos / 1_000_000;
        }

        void advanceMillis(long millis) {
            this.nanos += millis * 1_000_000;
        }
    }

    private final ManualClock clock = new ManualClock();

    @Test
    void aBurstGoesAtOnceAndEveryFurtherCallerGetsItsOwnLaterSlot() {
        ConnectRateLimiter limiter = new ConnectRateLimiter(this.clock, 10, 3);

        assertThat(limiter.reserveMillis()).isZero();
        assertThat(limiter.reserveMillis()).isZero();
        assertThat(limiter.reserveMillis()).isZero();
        // 10/s: one slot every 100 ms, handed out in order, none twice
        assertThat(limiter.reserveMillis()).isEqualTo(100);
        assertThat(limiter.reserveMillis()).isEqualTo(200);
        assertThat(limiter.reserveMillis()).isEqualTo(300);
    }

    @Test
    void slotsRefillWithTimeUpToTheBurst() {
        ConnectRateLimiter limiter = new ConnectRateLimiter(this.clock, 10, 2);
        limiter.reserveMillis();
        limiter.reserveMillis();
        assertThat(limiter.reserveMillis()).isEqualTo(100);

        this.clock.advanceMillis(100);
        assertThat(limiter.reserveMillis()).isEqualTo(100);

        this.clock.advanceMillis(10_000);
        assertThat(limiter.reserveMillis()).isZero();
        assertThat(limiter.reserveMillis()).isZero();
        assertThat(limiter.reserveMillis()).isEqualTo(100);
    }

    @Test
    void reconfiguringKeepsSlotsAlreadyPromised() {
        ConnectRateLimiter limiter = new ConnectRateLimiter(this.clock, 10, 1);
        limiter.reserveMillis();
        assertThat(limiter.reserveMillis()).isEqualTo(100);

        limiter.configure(100, 1);

        // the caller already waiting keeps its slot; the next one is placed at the new rate
        assertThat(limiter.reserveMillis()).isEqualTo(20);
        assertThat(limiter.perSecond()).isEqualTo(100);
        assertThatThrownBy(() -> limiter.configure(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.configure(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unlimitedNeverWaits() {
        for (int i = 0; i < 10_000; i++) {
            assertThat(ConnectRateLimiter.UNLIMITED.reserveMillis()).isZero();
        }
    }
}
