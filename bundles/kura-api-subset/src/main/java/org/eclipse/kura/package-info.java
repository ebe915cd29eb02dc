/** Kura core types; Kura 5.3 to 5.5 export this package at 1.7.0. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.7.0")
package org.eclipse.kura;
