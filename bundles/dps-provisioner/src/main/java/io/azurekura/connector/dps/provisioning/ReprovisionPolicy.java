package io.azurekura.connector.dps.provisioning;

/** What to do with a saved assignment when the provisioner starts. */
public enum ReprovisionPolicy {
    /** Use the saved assignment if it matches the ID scope and registration id; register only without one. */
    USE_SAVED,
    /** Discard the saved assignment and register at every start (a billed DPS operation per start). */
    ALWAYS_ON_STARTUP
}
