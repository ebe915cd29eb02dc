package io.azurekura.connector.cache.internal;

/** Runs tasks after a delay on the monotonic clock. A seam so tests can drive virtual time. */
public interface TaskScheduler {

    /** A scheduled task that can be cancelled. */
    interface Cancellable {
        void cancel();
    }

    Cancellable schedule(Runnable task, long delayMillis);
}
