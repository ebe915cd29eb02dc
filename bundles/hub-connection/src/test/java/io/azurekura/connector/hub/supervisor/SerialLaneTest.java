package io.azurekura.connector.hub.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialLaneTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService workers = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        this.timer.shutdownNow();
        this.workers.shutdownNow();
    }

    private SerialLane lane() {
        return new SerialLane(this.timer, this.workers);
    }

    @Test
    void tasksRunOneAtATimeInOrderThoughThePoolHasSeveralThreads() throws Exception {
        SerialLane lane = lane();
        List<Integer> order = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        for (int i = 0; i < 200; i++) {
            int n = i;
            lane.execute(() -> {
                maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                order.add(n);
                running.decrementAndGet();
            });
        }
        lane.shutdown();

        assertThat(lane.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(order).hasSize(200).isSorted();
        assertThat(maxRunning.get()).isEqualTo(1);
    }

    @Test
    void lanesOnOnePoolRunSideBySide() throws Exception {
        SerialLane first = lane();
        SerialLane second = lane();
        CountDownLatch both = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        Runnable meet = () -> {
            both.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        first.execute(meet);
        second.execute(meet);

        // A blocked lane does not hold up another one.
        assertThat(both.await(5, TimeUnit.SECONDS)).isTrue();
        release.countDown();
    }

    @Test
    void aDelayedTaskCancelledBeforeItsTimeNeverRunsAndAPeriodicOneRepeatsUntilCancelled() {
        SerialLane lane = lane();
        AtomicBoolean cancelledRan = new AtomicBoolean();
        AtomicInteger ticks = new AtomicInteger();
        ScheduledFuture<?> cancelled = lane.schedule(() -> cancelledRan.set(true), 200, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> periodic = lane.scheduleWithFixedDelay(ticks::incrementAndGet, 10, 10,
                TimeUnit.MILLISECONDS);
        AtomicBoolean laterRan = new AtomicBoolean();
        lane.schedule(() -> laterRan.set(true), 300, TimeUnit.MILLISECONDS);

        assertThat(cancelled.cancel(false)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() >= 5 && laterRan.get());
        periodic.cancel(false);
        int afterCancel = ticks.get();

        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1))
                .until(() -> ticks.get() <= afterCancel + 1);
        assertThat(cancelledRan).isFalse();
        assertThat(cancelled.isCancelled()).isTrue();
    }

    @Test
    void shutdownRunsWhatIsQueuedButDropsDelayedTasksAndRefusesNewOnes() throws Exception {
        SerialLane lane = lane();
        CountDownLatch gate = new CountDownLatch(1);
        AtomicBoolean queuedRan = new AtomicBoolean();
        AtomicBoolean delayedRan = new AtomicBoolean();
        lane.execute(() -> {
            try {
                gate.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        lane.execute(() -> queuedRan.set(true));
        lane.schedule(() -> delayedRan.set(true), 50, TimeUnit.MILLISECONDS);

        lane.shutdown();
        assertThatThrownBy(() -> lane.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThat(lane.isTerminated()).isFalse();
        gate.countDown();

        assertThat(lane.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(queuedRan).isTrue();
        assertThat(delayedRan).isFalse();
    }

    @Test
    void shutdownNowInterruptsOnlyTheLanesOwnRunningTask() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            SerialLane stopped = new SerialLane(this.timer, single);
            SerialLane other = new SerialLane(this.timer, single);
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            stopped.execute(() -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
            });
            AtomicBoolean otherSawInterrupt = new AtomicBoolean(true);
            CountDownLatch otherRan = new CountDownLatch(1);
            other.execute(() -> {
                otherSawInterrupt.set(Thread.currentThread().isInterrupted());
                otherRan.countDown();
            });
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(stopped.shutdownNow()).isEmpty();

            assertThat(stopped.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            assertThat(interrupted).isTrue();
            // the same pool thread then runs the other lane's task, without the stale interrupt
            assertThat(otherRan.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(otherSawInterrupt).isFalse();
        } finally {
            single.shutdownNow();
        }
    }
}
