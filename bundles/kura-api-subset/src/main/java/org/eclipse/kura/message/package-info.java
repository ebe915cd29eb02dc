/** Kura message types; exported at 1.4.0 by Kura 5.0 to 5.3 (1.5.0 from 5.4). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.eclipse.kura.message;
