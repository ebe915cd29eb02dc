package io.azurekura.connector.hub.supervisor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, like a single-thread scheduled executor, but on threads borrowed
 * from shared pools: a gateway with a thousand identities then needs a handful of threads, not one per identity.
 * Delayed tasks wait on a shared timer and then join the lane's queue, so a lane never runs two tasks at once and
 * each task sees everything the previous one did (the queue's lock orders them).
 * <p>
 * As configured for the supervisor: tasks queued before {@link #shutdown()} still run, delayed ones do not; a task
 * cancelled before it ran never runs; {@link #shutdownNow()} interrupts the running task only, never a task of
 * another lane that happens to run on the same pool thread afterwards.
 */
final class SerialLane extends AbstractExecutorService implements ScheduledExecutorService {

    private static final Logger LOG = LoggerFactory.getLogger(SerialLane.class);
    /** Tasks run per turn before the pool thread goes to another lane. */
    private static final int TASKS_PER_TURN = 16;

    private final ScheduledExecutorService timer;
    private final Executor workers;
    private final Object lock = new Object();
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final Set<LaneTask<?>> delayed = new HashSet<>();
    /** A turn is queued on, or running in, the pool. */
    private boolean scheduledOrRunning;
    private Thread runner;
    private boolean shutdown;

    /**
     * @param timer the shared timer; null for a lane that only executes (no delayed tasks)
     * @param workers the shared pool the lane's turns run on
     */
    SerialLane(ScheduledExecutorService timer, Executor workers) {
        this.timer = timer;
        this.workers = Objects.requireNonNull(workers, "workers");
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (this.lock) {
            if (this.shutdown) {
                throw new RejectedExecutionException("lane shut down");
            }
            enqueue(task);
        }
    }

    /** Caller holds the lock. */
    private void enqueue(Runnable task) {
        this.queue.add(task);
        if (!this.scheduledOrRunning) {
            this.scheduledOrRunning = true;
            submitTurn();
        }
    }

    /** Caller holds the lock. */
    private void submitTurn() {
        try {
            this.workers.execute(this::turn);
        } catch (RejectedExecutionException e) {
            // The shared pool is gone: nothing queued here can run any more.
            LOG.debug("Shared pool refused a lane's turn; dropping {} queued tasks", this.queue.size());
            this.queue.clear();
            this.scheduledOrRunning = false;
            this.lock.notifyAll();
        }
    }

    private void turn() {
        for (int i = 0; i < TASKS_PER_TURN; i++) {
            Runnable task;
            synchronized (this.lock) {
                task = this.queue.poll();
                if (task == null) {
                    this.scheduledOrRunning = false;
                    this.lock.notifyAll();
                    return;
                }
                this.runner = Thread.currentThread();
            }
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.warn("A task failed on a supervisor lane", e);
            } finally {
                synchronized (this.lock) {
                    this.runner = null;
                }
                // An interrupt from shutdownNow() was meant for this task only, not for the pool thread's next one.
                Thread.interrupted();
            }
        }
        synchronized (this.lock) {
            if (this.queue.isEmpty()) {
                this.scheduledOrRunning = false;
                this.lock.notifyAll();
            } else {
                submitTurn(); // let other lanes have the thread between turns
            }
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Delayed tasks

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return arm(new LaneTask<>(Executors.callable(command, null), unit.toNanos(delay), 0));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return arm(new LaneTask<>(callable, unit.toNanos(delay), 0));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        // A lane never runs a task twice at once, so a fixed rate degrades to a fixed delay, as for one thread.
        return scheduleWithFixedDelay(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        if (delay <= 0) {
            throw new IllegalArgumentException("delay must be positive");
        }
        return arm(new LaneTask<>(Executors.callable(command, null), unit.toNanos(initialDelay),
                unit.toNanos(delay)));
    }

    private <V> LaneTask<V> arm(LaneTask<V> task) {
        if (this.timer == null) {
            throw new RejectedExecutionException("this lane has no timer");
        }
        synchronized (this.lock) {
            if (this.shutdown) {
                throw new RejectedExecutionException("lane shut down");
            }
            this.delayed.add(task);
            task.timerFuture = this.timer.schedule(() -> fire(task), Math.max(0, task.delayNanos),
                    TimeUnit.NANOSECONDS);
        }
        return task;
    }

    /** On the timer: the task's time has come; it joins the queue unless cancelled or shut down meanwhile. */
    private void fire(LaneTask<?> task) {
        synchronized (this.lock) {
            if (!this.delayed.remove(task) || this.shutdown || task.isCancelled()) {
                return;
            }
            enqueue(task::runOnLane);
        }
    }

    /** A delayed (or periodic) task; cancelling it before it ran means it never runs. */
    private final class LaneTask<V> extends FutureTask<V> implements ScheduledFuture<V> {

        final long periodNanos;
        final long delayNanos;
        volatile long dueNanos;
        volatile ScheduledFuture<?> timerFuture;

        LaneTask(Callable<V> callable, long delayNanos, long periodNanos) {
            super(callable);
            this.delayNanos = delayNanos;
            this.periodNanos = periodNanos;
            this.dueNanos = System.nanoTime() + delayNanos;
        }

        void runOnLane() {
            if (this.periodNanos == 0) {
                run();
            } else if (runAndReset()) {
                synchronized (SerialLane.this.lock) {
                    if (SerialLane.this.shutdown || isCancelled()) {
                        return;
                    }
                    this.dueNanos = System.nanoTime() + this.periodNanos;
                    SerialLane.this.delayed.add(this);
                    this.timerFuture = SerialLane.this.timer.schedule(() -> fire(this), this.periodNanos,
                            TimeUnit.NANOSECONDS);
                }
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(false);
            ScheduledFuture<?> pending = this.timerFuture;
            if (pending != null) {
                pending.cancel(false);
            }
            synchronized (SerialLane.this.lock) {
                SerialLane.this.delayed.remove(this);
            }
            return cancelled;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(this.dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Lifecycle

    @Override
    public void shutdown() {
        List<LaneTask<?>> pending;
        synchronized (this.lock) {
            this.shutdown = true;
            pending = new ArrayList<>(this.delayed);
            this.delayed.clear();
            this.lock.notifyAll();
        }
        // Like the supervisor's executor before: delayed tasks are dropped at shutdown.
        pending.forEach(task -> task.cancel(false));
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        synchronized (this.lock) {
            List<Runnable> dropped = new ArrayList<>(this.queue);
            this.queue.clear();
            if (this.runner != null) {
                this.runner.interrupt();
            }
            this.lock.notifyAll();
            return dropped;
        }
    }

    @Override
    public boolean isShutdown() {
        synchronized (this.lock) {
            return this.shutdown;
        }
    }

    @Override
    public boolean isTerminated() {
        synchronized (this.lock) {
            return this.shutdown && !this.scheduledOrRunning && this.queue.isEmpty();
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this.lock) {
            while (!(this.shutdown && !this.scheduledOrRunning && this.queue.isEmpty())) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this.lock, remaining);
            }
            return true;
        }
    }
}
