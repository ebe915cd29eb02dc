/**
 * SAS tokens and the identities (scopes) they are issued for: IoT Hub devices and modules, and DPS registrations.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.azurekura.connector.api.token;
