package io.azurekura.connector.hub.supervisor;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.azurekura.connector.common.concurrent.NamedThreadFactory;

/**
 * A fixed set of threads that any number of supervisors share as {@link SerialLane}s: one timer, a few supervisor
 * workers (they also make the blocking SDK calls, so more than one), a couple of callback workers. Created with the
 * first lane and stopped with the last, so a gateway without connections runs none of these threads; idle workers
 * exit after a while.
 */
public final class SharedSupervisorPool implements SupervisorExecutors.Source {

    /** The gateway's pool, for every multiplexed connection of this bundle (one class loader). */
    public static final SharedSupervisorPool GATEWAY = new SharedSupervisorPool(8, 2);

    private static final long IDLE_SECONDS = 30;

    private final int supervisorThreads;
    private final int callbackThreads;
    private int users;
    private ScheduledThreadPoolExecutor timer;
    private ThreadPoolExecutor supervisorWorkers;
    private ThreadPoolExecutor callbackWorkers;

    public SharedSupervisorPool(int supervisorThreads, int callbackThreads) {
        if (supervisorThreads < 1 || callbackThreads < 1) {
            throw new IllegalArgumentException("at least one thread each");
        }
        this.supervisorThreads = supervisorThreads;
        this.callbackThreads = callbackThreads;
    }

    @Override
    public synchronized SupervisorExecutors create() {
        if (this.users++ == 0) {
            this.timer = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("hub-timer"));
            this.timer.setRemoveOnCancelPolicy(true);
            this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            this.supervisorWorkers = pool(this.supervisorThreads, "hub-lanes");
            this.callbackWorkers = pool(this.callbackThreads, "hub-lane-callbacks");
        }
        return new SupervisorExecutors(new SerialLane(this.timer, this.supervisorWorkers),
                new SerialLane(null, this.callbackWorkers), this::release);
    }

    /** Supervisors currently using the pool. */
    public synchronized int users() {
        return this.users;
    }

    private synchronized void release() {
        if (this.users > 0 && --this.users == 0) {
            // Every lane has terminated: nothing of ours is queued any more.
            this.timer.shutdownNow();
            this.supervisorWorkers.shutdown();
            this.callbackWorkers.shutdown();
            this.timer = null;
            this.supervisorWorkers = null;
            this.callbackWorkers = null;
        }
    }

    private static ThreadPoolExecutor pool(int threads, String purpose) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory(purpose));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
