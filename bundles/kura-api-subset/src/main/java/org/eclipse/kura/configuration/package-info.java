/** Kura configuration types; exported at 1.2.0 by every Kura 5.x. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.eclipse.kura.configuration;
