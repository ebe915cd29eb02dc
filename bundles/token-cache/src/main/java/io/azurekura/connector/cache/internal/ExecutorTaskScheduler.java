package io.azurekura.connector.cache.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.azurekura.connector.common.concurrent.NamedThreadFactory;

/**
 * One timer thread for every scope, however many: timers only hand fetches to the bounded fetch pool, so the
 * thread count never grows with the number of identities.
 */
public final class ExecutorTaskScheduler implements TaskScheduler, AutoCloseable {

    private final ScheduledThreadPoolExecutor executor;

    public ExecutorTaskScheduler() {
        this.executor = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("token-timer"));
        // Cancelled renewals must not pile up in the queue when scopes come and go.
        this.executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        ScheduledFuture<?> future = this.executor.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public void close() {
        this.executor.shutdownNow();
        try {
            // Timer tasks only hand work to the fetch pool, so the thread ends at once; wait so it is gone.
            this.executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
