package io.azurekura.connector.itest.runtime;

import java.util.Locale;

/**
 * The OSGi frameworks the runtime can boot, each with its own set of Kura service bundles under
 * {@code target/runtime/<name>} (plus {@code target/runtime/common}, used by all).
 */
public enum OsgiFramework {

    /** Apache Felix 7 with Felix ConfigAdmin, Metatype, EventAdmin and Log. */
    FELIX("org.apache.felix.framework.FrameworkFactory"),
    /** Equinox 3.16 with Equinox ConfigAdmin, Metatype and EventAdmin: Kura's own framework set. */
    EQUINOX("org.eclipse.osgi.launch.EquinoxFactory");

    /** System property selecting the framework of a test run; {@code felix} when unset. */
    public static final String PROPERTY = "itest.framework";

    private final String factoryClassName;

    OsgiFramework(String factoryClassName) {
        this.factoryClassName = factoryClassName;
    }

    String factoryClassName() {
        return this.factoryClassName;
    }

    /** Directory name of this framework's service bundles below the runtime directory. */
    String runtimeDirectoryName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The framework chosen for this test JVM by {@value #PROPERTY}. */
    public static OsgiFramework selected() {
        String value = System.getProperty(PROPERTY, "felix").trim();
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
