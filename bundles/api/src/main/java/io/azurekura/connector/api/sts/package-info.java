/** Where tokens come from: the third-party token server (STS), behind an interface the cache and tests share. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.azurekura.connector.api.sts;
