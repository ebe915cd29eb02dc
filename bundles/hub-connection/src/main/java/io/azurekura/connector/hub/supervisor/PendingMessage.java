package io.azurekura.connector.hub.supervisor;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;

/** A submitted message until it is acknowledged or failed. Mutable fields are guarded by the queue's lock. */
final class PendingMessage {

    final long sequence;
    final TelemetryMessage message;
    final String messageId;
    final CompletableFuture<MessageReceipt> completion;
    final Instant submittedAt;
    final long deadlineNanos;
    int attempts;

    PendingMessage(long sequence, TelemetryMessage message, String messageId,
            CompletableFuture<MessageReceipt> completion, Instant submittedAt, long deadlineNanos) {
        this.sequence = sequence;
        this.message = message;
        this.messageId = messageId;
        this.completion = completion;
        this.submittedAt = submittedAt;
        this.deadlineNanos = deadlineNanos;
    }

    boolean expired(long nowNanos) {
        return nowNanos - this.deadlineNanos >= 0;
    }
}
