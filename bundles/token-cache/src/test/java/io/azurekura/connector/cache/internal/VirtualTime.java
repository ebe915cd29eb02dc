package io.azurekura.connector.cache.internal;

import java.util.PriorityQueue;

import io.azurekura.connector.common.time.Clock;

/** A clock and scheduler whose time only moves when a test says so; tasks run on the test thread. */
final class VirtualTime implements Clock, TaskScheduler {

    private static final class Task implements Comparable<Task>, Cancellable {
        final long dueMillis;
        final long seq;
        final Runnable runnable;
        boolean cancelled;

        Task(long dueMillis, long seq, Runnable runnable) {
            this.dueMillis = dueMillis;
            this.seq = seq;
            this.runnable = runnable;
        }

        @Override
        public int compareTo(Task o) {
            return this.dueMillis != o.dueMillis ? Long.compare(this.dueMillis, o.dueMillis)
                    : Long.compare(this.seq, o.seq);
        }

        @Override
        public synchronized void cancel() {
            this.cancelled = true;
        }
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long nowMillis;
    private long wallOffsetMillis = 1_800_000_000_000L;
    private long seq;

    @Override
    public synchronized long monotonicNanos() {
        return this.nowMillis * 1_000_000L;
    }

    @Override
    public synchronized long wallMillis() {
        return this.nowMillis + this.wallOffsetMillis;
    }

    synchronized long nowMillis() {
        return this.nowMillis;
    }

    /** Steps the wall clock only, as NTP or a resume from sleep would. */
    synchronized void jumpWallClock(long millis) {
        this.wallOffsetMillis += millis;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        Task t = new Task(this.nowMillis + Math.max(0, delayMillis), this.seq++, task);
        this.tasks.add(t);
        return t;
    }

    /** Moves time forward, running every task that falls due, in order. */
    void advance(long millis) {
        long target;
        synchronized (this) {
            target = this.nowMillis + millis;
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = this.tasks.peek();
                if (next == null || next.dueMillis > target) {
                    this.nowMillis = target;
                    return;
                }
                this.tasks.poll();
                this.nowMillis = Math.max(this.nowMillis, next.dueMillis);
            }
            boolean run;
            synchronized (next) {
                run = !next.cancelled;
            }
            if (run) {
                next.runnable.run();
            }
        }
    }

    synchronized long pendingTasks() {
        return this.tasks.stream().filter(t -> !t.cancelled).count();
    }
}
