package io.azurekura.connector.api.hub;

/** Where a connection's hub host name and device id come from. */
public enum IdentitySource {
    /** Configured on the connection. */
    STATIC,
    /** Assigned by Azure DPS through a {@code DeviceProvisioner}. */
    DPS
}
