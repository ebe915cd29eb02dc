package io.azurekura.connector.dps.wire;

import java.time.Duration;
import java.util.Optional;

/**
 * One DPS answer, parsed: on success the operation status (register, poll) or the registration (status lookup);
 * on an error status DPS's error details. Deciding what the status means is the caller's business.
 */
public final class DpsReply {

    private final int httpStatus;
    private final Duration retryAfter;
    private final OperationStatus operation;
    private final RegistrationResult registration;
    private final DpsError error;

    DpsReply(int httpStatus, Duration retryAfter, OperationStatus operation, RegistrationResult registration,
            DpsError error) {
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
        this.operation = operation;
        this.registration = registration;
        this.error = error;
    }

    public int httpStatus() {
        return this.httpStatus;
    }

    public boolean isSuccess() {
        return this.httpStatus >= 200 && this.httpStatus <= 299;
    }

    /** The server's Retry-After as sent (not clamped), when present and readable. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(this.retryAfter);
    }

    /** Register and poll answers with a 2xx status. */
    public OperationStatus operation() {
        return this.operation;
    }

    /** Status lookup answers with a 2xx status. */
    public RegistrationResult registration() {
        return this.registration;
    }

    /** Error details of a non-2xx answer (fields null when DPS sent none). */
    public DpsError error() {
        return this.error;
    }

    @Override
    public String toString() {
        return "HTTP " + this.httpStatus + (this.error == null ? "" : " " + this.error)
                + (this.operation == null ? "" : " " + this.operation)
                + (this.registration == null ? "" : " " + this.registration);
    }
}
