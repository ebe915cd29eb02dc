/** Kura keystore service; exported at 1.1.0 by Kura 5.3 to 5.5 (1.2.0 from 5.6). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.eclipse.kura.security.keystore;
