package io.azurekura.connector.hub.supervisor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.SendException;
import io.azurekura.connector.api.hub.SendFailure;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.SendResult;

/**
 * Messages between {@code send} and the hub's acknowledgement. Bounded over waiting and in-flight messages
 * together, so a long outage ends in explicit QUEUE_FULL refusals rather than unbounded memory or silent drops.
 * Messages are handed to a client only while one is released to us (connected); a message the client gives back
 * (closed before the acknowledgement, transient failure) returns to the queue in its original order, and goes out
 * again on the next connection: delivery is at least once.
 * <p>
 * Futures are completed on the callback executor, never on an SDK thread, so callers' continuations cannot stall
 * the SDK.
 */
final class OutboundQueue {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundQueue.class);

    private final int capacity;
    private final Clock clock;
    private final Executor callbacks;
    private final PriorityQueue<PendingMessage> waiting = new PriorityQueue<>(
            Comparator.comparingLong(p -> p.sequence));
    private final Map<PendingMessage, Boolean> inFlight = new IdentityHashMap<>();
    private HubClient target;
    /** Set once everything was failed or handed over: the queue takes nothing more. */
    private boolean sealed;
    private long submitted;
    private long sent;
    private long acknowledged;
    private long failed;
    private long refusedFull;

    OutboundQueue(int capacity, Clock clock, Executor callbacks) {
        this.capacity = capacity;
        this.clock = clock;
        this.callbacks = callbacks;
    }

    /**
     * @return false when the queue is full (the message was not taken)
     * @throws IllegalStateException when the queue was sealed (its connection closed or handed over), so that a
     *             send racing the close is neither lost nor left waiting forever
     */
    synchronized boolean offer(PendingMessage message) {
        if (this.sealed) {
            throw new IllegalStateException("sealed");
        }
        if (this.waiting.size() + this.inFlight.size() >= this.capacity) {
            this.refusedFull++;
            this.failed++;
            return false;
        }
        this.submitted++;
        if (this.target != null && this.waiting.isEmpty()) {
            handOff(message);
        } else {
            this.waiting.add(message);
        }
        return true;
    }

    /** A message refused before it was queued (invalid, connection closed or misconfigured). */
    synchronized void countRefused() {
        this.failed++;
    }

    /** Starts handing messages to {@code client}, oldest first. */
    synchronized void release(HubClient client) {
        this.target = client;
        pump();
    }

    /** Stops handing messages out; they wait for the next {@link #release}. */
    synchronized void hold() {
        this.target = null;
    }

    synchronized boolean isReleased() {
        return this.target != null;
    }

    /** Hands out what waits, if released; returned messages are resent this way, not from the SDK's thread. */
    synchronized void pump() {
        while (this.target != null && !this.waiting.isEmpty()) {
            handOff(this.waiting.poll());
        }
    }

    /**
     * Waits until every handed-out message was acknowledged or given back, so a planned close does not cancel
     * messages the hub is about to acknowledge.
     */
    synchronized boolean awaitNoneInFlight(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!this.inFlight.isEmpty()) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Fails messages past their deadline, waiting or in flight (a late acknowledgement is then ignored). */
    synchronized void expire() {
        long now = this.clock.monotonicNanos();
        List<PendingMessage> expired = new ArrayList<>();
        this.waiting.removeIf(p -> p.expired(now) && expired.add(p));
        this.inFlight.keySet().removeIf(p -> p.expired(now) && expired.add(p));
        for (PendingMessage p : expired) {
            fail(p, SendFailure.TIMED_OUT, "not acknowledged by IoT Hub within the message timeout (attempts: "
                    + p.attempts + ")");
        }
        if (!expired.isEmpty()) {
            notifyAll();
        }
    }

    /**
     * Takes every message out, waiting and in flight, oldest first (a reconfiguration hands them to the next
     * connection). A late result from the old client for one of them is ignored.
     */
    synchronized List<PendingMessage> drainAll() {
        this.target = null;
        this.sealed = true;
        List<PendingMessage> all = new ArrayList<>(this.waiting);
        all.addAll(this.inFlight.keySet());
        all.sort(Comparator.comparingLong(p -> p.sequence));
        this.waiting.clear();
        this.inFlight.clear();
        notifyAll();
        return all;
    }

    /**
     * Takes over messages of a previous connection, ahead of everything sent here so far, keeping their deadlines
     * and callers' futures. Beyond the capacity too: they were accepted once and must not be dropped now.
     */
    synchronized void adopt(List<PendingMessage> messages) {
        if (this.sealed) {
            messages.forEach(m -> fail(m, SendFailure.CLOSED, "the connection was closed before IoT Hub "
                    + "acknowledged the message"));
            return;
        }
        long sequence = Long.MIN_VALUE;
        for (PendingMessage message : messages) {
            PendingMessage copy = new PendingMessage(sequence++, message.message, message.messageId,
                    message.completion, message.submittedAt, message.deadlineNanos);
            copy.attempts = message.attempts;
            this.submitted++;
            this.waiting.add(copy);
        }
        pump();
    }

    /** Fails everything (deactivation). */
    synchronized void failAll(SendFailure failure, String why) {
        this.target = null;
        this.sealed = true;
        List<PendingMessage> all = new ArrayList<>(this.waiting);
        all.addAll(this.inFlight.keySet());
        this.waiting.clear();
        this.inFlight.clear();
        all.forEach(p -> fail(p, failure, why));
        notifyAll();
    }

    private void handOff(PendingMessage message) {
        HubClient client = this.target;
        this.inFlight.put(message, Boolean.TRUE);
        message.attempts++;
        this.sent++;
        try {
            client.send(message.message, result -> onResult(message, result));
        } catch (IllegalStateException e) {
            // The client closed under us; the supervisor learns of it from the client's status.
            this.inFlight.remove(message);
            this.sent--;
            message.attempts--;
            this.waiting.add(message);
            this.target = null;
        } catch (RuntimeException e) {
            this.inFlight.remove(message);
            fail(message, SendFailure.INVALID_MESSAGE, "the SDK refused the message: " + e.getClass().getSimpleName());
        }
    }

    private synchronized void onResult(PendingMessage message, SendResult result) {
        if (this.inFlight.remove(message) == null) {
            return; // already failed (timed out or closed)
        }
        switch (result.kind()) {
        case ACKNOWLEDGED:
            this.acknowledged++;
            MessageReceipt receipt = new MessageReceipt(message.messageId, message.submittedAt,
                    Instant.ofEpochMilli(this.clock.wallMillis()), message.attempts);
            complete(() -> message.completion.complete(receipt), message);
            break;
        case REJECTED:
            fail(message, SendFailure.REJECTED, "IoT Hub refused the message: " + result.status());
            break;
        default:
            if (message.expired(this.clock.monotonicNanos())) {
                fail(message, SendFailure.TIMED_OUT, "not acknowledged within the message timeout (last: "
                        + result.status() + ")");
            } else {
                LOG.debug("Message {} given back ({}); it will be sent again", message.messageId, result);
                this.waiting.add(message);
            }
        }
        if (this.inFlight.isEmpty()) {
            notifyAll();
        }
    }

    private void fail(PendingMessage message, SendFailure failure, String why) {
        this.failed++;
        SendException error = new SendException(failure, message.messageId, why);
        complete(() -> message.completion.completeExceptionally(error), message);
    }

    private void complete(Runnable completion, PendingMessage message) {
        try {
            this.callbacks.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run(); // shutting down: complete here rather than never
        }
    }

    synchronized int waitingCount() {
        return this.waiting.size();
    }

    synchronized int inFlightCount() {
        return this.inFlight.size();
    }

    int capacity() {
        return this.capacity;
    }

    /** {submitted, sent, acknowledged, failed, refusedFull} */
    synchronized long[] counters() {
        return new long[] { this.submitted, this.sent, this.acknowledged, this.failed, this.refusedFull };
    }
}
