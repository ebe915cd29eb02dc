package io.azurekura.connector.hub.supervisor;

import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.azurekura.connector.common.concurrent.NamedThreadFactory;

/**
 * The two serial executors one supervisor runs on: its own work (lifecycle, every blocking SDK call) and its
 * callers' callbacks (futures, listeners). Either dedicated threads, or lanes on the gateway's shared pool.
 */
public final class SupervisorExecutors {

    /** Makes the executors for one supervisor. */
    @FunctionalInterface
    public interface Source {
        SupervisorExecutors create();
    }

    /** One supervisor thread and one callback thread per connection, started on demand. */
    public static final Source DEDICATED = () -> {
        ScheduledThreadPoolExecutor supervisor = new ScheduledThreadPoolExecutor(1,
                new NamedThreadFactory("hub-supervisor"));
        supervisor.setRemoveOnCancelPolicy(true);
        // Deactivation must not wait for (or run) reconnects scheduled minutes ahead.
        supervisor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        ThreadPoolExecutor callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory("hub-callbacks"));
        return new SupervisorExecutors(supervisor, callbacks, () -> {
        });
    };

    private final ScheduledExecutorService supervisor;
    private final ExecutorService callbacks;
    private final Runnable release;

    /**
     * @param supervisor runs one task at a time, in order
     * @param callbacks runs one task at a time, in order
     * @param release called once, after both executors terminated
     */
    public SupervisorExecutors(ScheduledExecutorService supervisor, ExecutorService callbacks, Runnable release) {
        this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
        this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
        this.release = Objects.requireNonNull(release, "release");
    }

    ScheduledExecutorService supervisor() {
        return this.supervisor;
    }

    ExecutorService callbacks() {
        return this.callbacks;
    }

    void release() {
        this.release.run();
    }
}
