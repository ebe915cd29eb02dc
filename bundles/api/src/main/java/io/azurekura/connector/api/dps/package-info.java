/**
 * Device provisioning through Azure DPS: who provisions this identity, where it was assigned, and how provisioning
 * is going. A hub connection configured for DPS takes its hub host name and device id from a
 * {@link io.azurekura.connector.api.dps.DeviceProvisioner} instead of its own configuration.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.azurekura.connector.api.dps;
