/** Kura crypto service; exported at 1.3.0 by every Kura 5.x. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.eclipse.kura.crypto;
