package io.azurekura.connector.cloud.endpoint;

import java.util.Optional;

import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;

/**
 * Turns the hub connection's state changes into Kura's connection callbacks, which only know "established",
 * "lost" and "disconnected". MQTT 3.1.1 authenticates at CONNECT only, so a renewed SAS token takes effect through
 * a planned reconnect (RENEWING, then CONNECTING for TOKEN_RENEWAL); that short gap is the connector's business and
 * is invisible here: the link counts as up throughout. Callbacks strictly alternate between established and
 * lost/disconnected. Not thread-safe: the endpoint calls it under its own lock.
 */
public final class LinkTracker {

    /** A Kura CloudConnectionListener callback to make. */
    public enum Callback {
        ESTABLISHED, LOST, DISCONNECTED
    }

    private boolean up;

    /** Whether Kura should see the connection as connected in this state (planned renewal gaps included). */
    public static boolean isConnected(ConnectionState state, ConnectionReason reason) {
        return state == ConnectionState.CONNECTED || isPlannedGap(state, reason);
    }

    private static boolean isPlannedGap(ConnectionState state, ConnectionReason reason) {
        return state == ConnectionState.RENEWING
                || (state == ConnectionState.CONNECTING && reason == ConnectionReason.TOKEN_RENEWAL);
    }

    /** The hub connection entered {@code state} for {@code reason}. */
    public Optional<Callback> onState(ConnectionState state, ConnectionReason reason) {
        if (state == ConnectionState.CONNECTED) {
            return transition(true, Callback.ESTABLISHED);
        }
        if (isPlannedGap(state, reason)) {
            return Optional.empty();
        }
        // Closing on purpose (deactivation, reconfiguration) or moving to a newly assigned identity is a clean
        // disconnect; anything else (network loss, hub restart, refused token, failed renewal) is a loss.
        boolean deliberate = state == ConnectionState.CLOSED
                || (state == ConnectionState.CONNECTING && reason == ConnectionReason.IDENTITY_CHANGED);
        return transition(false, deliberate ? Callback.DISCONNECTED : Callback.LOST);
    }

    /** The hub connection service went away (disconnect requested, connection deleted or reconfigured). */
    public Optional<Callback> onDetached() {
        return transition(false, Callback.DISCONNECTED);
    }

    public boolean isUp() {
        return this.up;
    }

    private Optional<Callback> transition(boolean nowUp, Callback callback) {
        if (this.up == nowUp) {
            return Optional.empty();
        }
        this.up = nowUp;
        return Optional.of(callback);
    }
}
