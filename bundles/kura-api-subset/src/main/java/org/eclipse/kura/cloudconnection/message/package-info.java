/** Kura cloud connection API; exported at 1.0.0 by every Kura 5.x. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.eclipse.kura.cloudconnection.message;
