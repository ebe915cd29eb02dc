package io.azurekura.connector.itest.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the build put what ships and what the runtime needs. The pom copies the connector-feature's bundles to
 * {@code target/bundles} and the built .dp to {@code target/connector-kura-deployment.dp}, and passes the paths as
 * system properties; the defaults are the same paths relative to the module directory (for IDE runs).
 */
public final class ShippedArtifacts {

    private ShippedArtifacts() {
    }

    /** The feature's bundle jars: exactly what the .dp contains. */
    public static List<Path> bundleJars() {
        return jarsIn(directory("itest.bundles.dir", "target/bundles"));
    }

    /** The connector's deployment package as built by kura-deployment. */
    public static Path deploymentPackage() {
        Path dp = Paths.get(System.getProperty("itest.deployment.package", "target/connector-kura-deployment.dp"));
        if (!Files.isRegularFile(dp)) {
            throw new IllegalStateException("no deployment package at " + dp.toAbsolutePath()
                    + ": run the Maven build (generate-test-resources) first");
        }
        return dp;
    }

    static Path runtimeDirectory() {
        return directory("itest.runtime.dir", "target/runtime");
    }

    static Path workDirectory() {
        Path dir = Paths.get(System.getProperty("itest.work.dir", "target/osgi"));
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The jar in {@link #bundleJars()} whose Bundle-SymbolicName is {@code symbolicName}. */
    public static Path bundleJar(String symbolicName) {
        return bundleJars().stream().filter(jar -> symbolicName.equals(symbolicName(jar))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no shipped bundle " + symbolicName + " in "
                        + bundleJars()));
    }

    /** A jar's Bundle-SymbolicName without directives, or null when it is not a bundle. */
    public static String symbolicName(Path jar) {
        String value = mainAttribute(jar, "Bundle-SymbolicName");
        return value == null ? null : value.split(";", 2)[0].trim();
    }

    static String mainAttribute(Path jar, String name) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            return manifest == null ? null : manifest.getMainAttributes().getValue(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }

    static List<Path> jarsIn(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    private static Path directory(String property, String defaultPath) {
        Path dir = Paths.get(System.getProperty(property, defaultPath));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no directory " + dir.toAbsolutePath()
                    + ": run the Maven build (generate-test-resources) first");
        }
        return dir;
    }
}
