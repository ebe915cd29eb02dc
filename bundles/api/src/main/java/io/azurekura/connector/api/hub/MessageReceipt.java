package io.azurekura.connector.api.hub;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** IoT Hub acknowledged a message. */
public final class MessageReceipt {

    private final String messageId;
    private final Instant submittedAt;
    private final Instant acknowledgedAt;
    private final int attempts;

    /**
     * @param attempts how many times the message was handed to the SDK (more than one after a reconnect)
     */
    public MessageReceipt(String messageId, Instant submittedAt, Instant acknowledgedAt, int attempts) {
        this.messageId = Objects.requireNonNull(messageId, "messageId");
        this.submittedAt = Objects.requireNonNull(submittedAt, "submittedAt");
        this.acknowledgedAt = Objects.requireNonNull(acknowledgedAt, "acknowledgedAt");
        this.attempts = attempts;
    }

    /** The message id the hub received (assigned by the connector when the message had none). */
    public String messageId() {
        return this.messageId;
    }

    public Instant submittedAt() {
        return this.submittedAt;
    }

    public Instant acknowledgedAt() {
        return this.acknowledgedAt;
    }

    /** From {@link HubConnection#send} to the acknowledgement, including time held in the queue. */
    public Duration latency() {
        return Duration.between(this.submittedAt, this.acknowledgedAt);
    }

    public int attempts() {
        return this.attempts;
    }

    @Override
    public String toString() {
        return "MessageReceipt[" + this.messageId + " acknowledged after " + latency().toMillis() + " ms, attempts="
                + this.attempts + "]";
    }
}
