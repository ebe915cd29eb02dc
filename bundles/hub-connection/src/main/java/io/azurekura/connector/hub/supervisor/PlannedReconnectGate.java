package io.azurekura.connector.hub.supervisor;

import java.util.concurrent.Semaphore;

/**
 * Lets one identity at a time make a planned reconnect. A gateway renewing many identities would otherwise
 * reconnect them in bursts, and IoT Hub throttles new connections per hub unit (docs/token-lifecycle.md
 * "Reconnect storms and the hub's connection throttle");
 * one at a time also keeps each gap short. Shared by every connection in the bundle.
 */
public final class PlannedReconnectGate {

    /** The gate for all connections of this gateway (one bundle class loader). */
    public static final PlannedReconnectGate GATEWAY = new PlannedReconnectGate();

    private final Semaphore permit = new Semaphore(1);

    public boolean tryEnter() {
        return this.permit.tryAcquire();
    }

    public void leave() {
        this.permit.release();
    }
}
