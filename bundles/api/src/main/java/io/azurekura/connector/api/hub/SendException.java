package io.azurekura.connector.api.hub;

import java.util.Objects;
import java.util.Optional;

/** A message was not acknowledged by IoT Hub; {@link #failure()} says why. Never carries token material. */
public final class SendException extends Exception {

    private static final long serialVersionUID = 1L;

    private final SendFailure failure;
    private final String messageId;

    public SendException(SendFailure failure, String messageId, String message) {
        super(failure + ": " + message);
        this.failure = Objects.requireNonNull(failure, "failure");
        this.messageId = messageId;
    }

    public SendFailure failure() {
        return this.failure;
    }

    /** The id of the message concerned, when one was assigned. */
    public Optional<String> messageId() {
        return Optional.ofNullable(this.messageId);
    }
}
