package io.azurekura.connector.api.dps;

import java.util.Optional;

/** Something happened to a provisioner's assignment. */
public final class ProvisioningEvent {

    /** What happened. */
    public enum Type {
        /**
         * An assignment is available: new from DPS, or read from the saved copy at start. A hub connection that was
         * using a different hub or device id should reconnect to the new one.
         */
        ASSIGNED,
        /** The held assignment was discarded and a new registration starts (reprovisioning or configuration change). */
        ASSIGNMENT_DISCARDED,
        /** A registration attempt failed; {@link ProvisioningStatus#lastFailure()} says why. */
        FAILED
    }

    private final Type type;
    private final ProvisioningStatus status;
    private final Assignment previous;

    public ProvisioningEvent(Type type, ProvisioningStatus status, Assignment previous) {
        this.type = type;
        this.status = status;
        this.previous = previous;
    }

    public Type type() {
        return this.type;
    }

    public ProvisioningStatus status() {
        return this.status;
    }

    /** The assignment held before this event, if any. */
    public Optional<Assignment> previous() {
        return Optional.ofNullable(this.previous);
    }

    @Override
    public String toString() {
        return this.type + " " + this.status;
    }
}
