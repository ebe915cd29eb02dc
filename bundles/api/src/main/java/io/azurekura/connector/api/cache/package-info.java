/** The token cache: serves tokens from memory and renews them before they expire. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.azurekura.connector.api.cache;
