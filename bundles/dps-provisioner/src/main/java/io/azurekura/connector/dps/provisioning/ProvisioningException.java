package io.azurekura.connector.dps.provisioning;

import java.time.Duration;

import io.azurekura.connector.api.dps.ProvisioningFailure;

/** A classified, redacted reason a registration attempt ended without an assignment. */
public final class ProvisioningException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ProvisioningFailure failure;
    private final Integer httpStatus;
    private final Integer dpsErrorCode;
    private final transient Duration retryAfter;

    public ProvisioningException(ProvisioningFailure failure, String message) {
        this(failure, message, null, null, null);
    }

    public ProvisioningException(ProvisioningFailure failure, String message, Integer httpStatus,
            Integer dpsErrorCode, Duration retryAfter) {
        super(failure + ": " + message);
        this.failure = failure;
        this.httpStatus = httpStatus;
        this.dpsErrorCode = dpsErrorCode;
        this.retryAfter = retryAfter;
    }

    public ProvisioningFailure failure() {
        return this.failure;
    }

    /** The HTTP status of the answer that ended the attempt, if there was one. */
    public Integer httpStatus() {
        return this.httpStatus;
    }

    /** DPS's {@code errorCode}, if it sent one. */
    public Integer dpsErrorCode() {
        return this.dpsErrorCode;
    }

    /** DPS's last Retry-After, a lower bound for the next attempt (null when none). */
    public Duration retryAfter() {
        return this.retryAfter;
    }
}
