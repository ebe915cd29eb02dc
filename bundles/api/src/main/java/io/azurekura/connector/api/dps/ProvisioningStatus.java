package io.azurekura.connector.api.dps;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** A snapshot of one provisioner, for status pages, hub connections and tests. Contains no token material. */
public final class ProvisioningStatus {

    private final ProvisioningState state;
    private final Assignment assignment;
    private final boolean fromSavedAssignment;
    private final ProvisioningFailure lastFailure;
    private final String lastError;
    private final Integer httpStatus;
    private final Integer dpsErrorCode;
    private final Instant lastErrorAt;
    private final long dpsCalls;
    private final Instant nextAttemptAt;
    private final String configurationProblem;
    private final List<String> configurationProblems;

    /**
     * @param fromSavedAssignment the assignment was read from the saved copy, not from DPS in this run
     * @param lastError human-readable, already redacted; includes DPS's error code and message when DPS sent them
     * @param dpsCalls HTTP requests sent to DPS by this provisioner since it started, answered or not
     */
    public ProvisioningStatus(ProvisioningState state, Assignment assignment, boolean fromSavedAssignment,
            ProvisioningFailure lastFailure, String lastError, Integer httpStatus, Integer dpsErrorCode,
            Instant lastErrorAt, long dpsCalls, Instant nextAttemptAt, String configurationProblem) {
        this(state, assignment, fromSavedAssignment, lastFailure, lastError, httpStatus, dpsErrorCode, lastErrorAt,
                dpsCalls, nextAttemptAt, configurationProblem,
                configurationProblem == null ? List.of() : List.of(configurationProblem));
    }

    /**
     * @param configurationProblems every problem found in the configuration, including those worked around with a
     *            default (already escaped; in the order found)
     * @since 1.1
     */
    public ProvisioningStatus(ProvisioningState state, Assignment assignment, boolean fromSavedAssignment,
            ProvisioningFailure lastFailure, String lastError, Integer httpStatus, Integer dpsErrorCode,
            Instant lastErrorAt, long dpsCalls, Instant nextAttemptAt, String configurationProblem,
            List<String> configurationProblems) {
        this.configurationProblems = List.copyOf(configurationProblems);
        this.state = Objects.requireNonNull(state, "state");
        this.assignment = assignment;
        this.fromSavedAssignment = fromSavedAssignment;
        this.lastFailure = lastFailure;
        this.lastError = lastError;
        this.httpStatus = httpStatus;
        this.dpsErrorCode = dpsErrorCode;
        this.lastErrorAt = lastErrorAt;
        this.dpsCalls = dpsCalls;
        this.nextAttemptAt = nextAttemptAt;
        this.configurationProblem = configurationProblem;
    }

    public ProvisioningState state() {
        return this.state;
    }

    public Optional<Assignment> assignment() {
        return Optional.ofNullable(this.assignment);
    }

    /** The assigned IoT Hub host name, when assigned. */
    public Optional<String> assignedHub() {
        return assignment().map(Assignment::assignedHub);
    }

    public boolean isFromSavedAssignment() {
        return this.fromSavedAssignment;
    }

    /** The classification of the last failed registration, if any (kept after a later success, for diagnosis). */
    public Optional<ProvisioningFailure> lastFailure() {
        return Optional.ofNullable(this.lastFailure);
    }

    /** {@code FAILURE: message}, with DPS's {@code errorCode} and message when it sent them. */
    public Optional<String> lastError() {
        return Optional.ofNullable(this.lastError);
    }

    /** The HTTP status of the response that caused the last failure, if there was a response. */
    public OptionalInt httpStatus() {
        return this.httpStatus == null ? OptionalInt.empty() : OptionalInt.of(this.httpStatus);
    }

    /** DPS's numeric {@code errorCode} for the last failure (e.g. 400209), if it sent one. */
    public OptionalInt dpsErrorCode() {
        return this.dpsErrorCode == null ? OptionalInt.empty() : OptionalInt.of(this.dpsErrorCode);
    }

    public Optional<Instant> lastErrorAt() {
        return Optional.ofNullable(this.lastErrorAt);
    }

    /** HTTP requests sent to DPS since the provisioner started (registrations, polls and status lookups). */
    public long dpsCalls() {
        return this.dpsCalls;
    }

    /** When the next registration attempt is due, while one is scheduled. */
    public Optional<Instant> nextAttemptAt() {
        return Optional.ofNullable(this.nextAttemptAt);
    }

    /** What is wrong with the configuration, if anything; nothing is sent to DPS while this is set. */
    public Optional<String> configurationProblem() {
        return Optional.ofNullable(this.configurationProblem);
    }

    /**
     * Every problem found in the configuration, also those the provisioner worked around by using a default (Kura
     * checks values only in its web UI; REST, snapshots and cloud writes can store anything). Empty when none.
     *
     * @since 1.1
     */
    public List<String> configurationProblems() {
        return this.configurationProblems;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(this.state.name());
        if (this.assignment != null) {
            text.append(' ').append(this.assignment).append(this.fromSavedAssignment ? " [saved]" : "");
        }
        text.append(" dpsCalls=").append(this.dpsCalls);
        if (this.lastError != null) {
            text.append(" lastError=").append(this.lastError);
        }
        if (this.configurationProblem != null) {
            text.append(" configurationProblem=").append(this.configurationProblem);
        }
        if (!this.configurationProblems.isEmpty()) {
            text.append(" configurationProblems=").append(this.configurationProblems);
        }
        if (this.nextAttemptAt != null) {
            text.append(" next=").append(this.nextAttemptAt);
        }
        return text.toString();
    }
}
