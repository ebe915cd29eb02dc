package io.azurekura.connector.api.dps;

/** Where a provisioner is in its lifecycle. */
public enum ProvisioningState {
    /** No assignment yet and no registration under way (just started, or waiting to retry). */
    UNPROVISIONED,
    /** A registration with DPS is in progress. */
    REGISTERING,
    /** An assignment is held (from DPS or from the saved copy); {@link DeviceProvisioner#assignment()} has it. */
    ASSIGNED,
    /**
     * The last registration failed (see {@link ProvisioningStatus#lastFailure()}); no assignment is held. A retry is
     * scheduled unless the configuration itself is the problem.
     */
    FAILED
}
