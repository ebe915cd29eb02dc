package io.azurekura.connector.dps.provisioning;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import io.azurekura.connector.dps.wire.DpsProtocol;

/**
 * Keeps operation polls within DPS's device limit of 5 per 10 s, whatever Retry-After says (a short or absent one
 * must not make us poll faster). Each poll is recorded when its answer arrived, which is after DPS counted it, and
 * the next poll may only be sent once the window counted from there has passed, so DPS can never see more than
 * the limit in any window of its own.
 */
final class PollPacer {

    /** Slack for timer granularity between our clock and DPS's. */
    private static final long MARGIN_NANOS = Duration.ofMillis(100).toNanos();

    private final int maxPolls;
    private final long windowNanos;
    private final Deque<Long> answeredAt = new ArrayDeque<>();

    PollPacer() {
        this(DpsProtocol.MAX_POLLS_PER_WINDOW, DpsProtocol.POLL_WINDOW);
    }

    PollPacer(int maxPolls, Duration window) {
        this.maxPolls = maxPolls;
        this.windowNanos = window.toNanos();
    }

    /** How long to wait at {@code nowNanos} before the next poll may be sent (zero if it may go now). */
    Duration delayBeforeNextPoll(long nowNanos) {
        if (this.answeredAt.size() < this.maxPolls) {
            return Duration.ZERO;
        }
        long allowedAt = this.answeredAt.peekFirst() + this.windowNanos + MARGIN_NANOS;
        return Duration.ofNanos(Math.max(0, allowedAt - nowNanos));
    }

    /** Records a poll whose answer (or failure) arrived at {@code nowNanos}. */
    void recordPoll(long nowNanos) {
        this.answeredAt.addLast(nowNanos);
        while (this.answeredAt.size() > this.maxPolls) {
            this.answeredAt.removeFirst();
        }
    }
}
