package io.azurekura.connector.api.hub;

import java.util.Objects;

/** A connection changed state (or reason). */
public final class ConnectionEvent {

    private final ConnectionState previousState;
    private final ConnectionStatus status;

    public ConnectionEvent(ConnectionState previousState, ConnectionStatus status) {
        this.previousState = Objects.requireNonNull(previousState, "previousState");
        this.status = Objects.requireNonNull(status, "status");
    }

    public ConnectionState previousState() {
        return this.previousState;
    }

    public ConnectionState state() {
        return this.status.state();
    }

    public ConnectionReason reason() {
        return this.status.reason();
    }

    /** The status right after the change. */
    public ConnectionStatus status() {
        return this.status;
    }

    @Override
    public String toString() {
        return this.previousState + " -> " + this.status.state() + " (" + this.status.reason() + ")";
    }
}
