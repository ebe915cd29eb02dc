package io.azurekura.connector.common.time;

/**
 * Two clocks, because they answer different questions: timers run on the monotonic clock (immune to NTP steps),
 * while token expiry ({@code se}) is absolute wall time and must be judged on the wall clock.
 */
public interface Clock {

    /** Monotonic nanoseconds, comparable only with other values of this clock. */
    long monotonicNanos();

    /** Wall-clock milliseconds since the epoch. */
    long wallMillis();

    Clock SYSTEM = new Clock() {
        @Override
        public long monotonicNanos() {
            return System.nanoTime();
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    };
}
