package io.azurekura.connector.sandbox;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The bundles inside a built .dp: what they are, how large, and what third-party code each embeds. The runtime
 * needs the API bundle's exports (read from the bundles directory); the figures need the sizes.
 */
final class DeploymentPackageFile {

    /** A jar nested in a bundle ({@code lib/*.jar} on its Bundle-ClassPath), with its stored size there. */
    record NestedJar(String name, long bytes) {
    }

    /**
     * One bundle of the package.
     *
     * @param embeddedClassBytes stored size of classes embedded from third-party packages (com.google.gson)
     */
    record BundleEntry(String entryName, String symbolicName, String version, byte[] content,
            List<NestedJar> nestedJars, long embeddedClassBytes) {
    }

    private final Path file;
    private final String version;
    private final List<BundleEntry> bundles;

    private DeploymentPackageFile(Path file, String version, List<BundleEntry> bundles) {
        this.file = file;
        this.version = version;
        this.bundles = bundles;
    }

    static DeploymentPackageFile read(Path dp) {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(dp))) {
            Manifest manifest = in.getManifest();
            if (manifest == null || manifest.getMainAttributes().getValue("DeploymentPackage-Version") == null) {
                throw new IllegalArgumentException(dp + " is not a deployment package");
            }
            List<BundleEntry> bundles = new ArrayList<>();
            for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                Attributes section = manifest.getAttributes(entry.getName());
                if (section == null || section.getValue("Bundle-SymbolicName") == null) {
                    continue;
                }
                byte[] content = in.readAllBytes();
                bundles.add(inspect(entry.getName(), section, content));
            }
            return new DeploymentPackageFile(dp, manifest.getMainAttributes().getValue("DeploymentPackage-Version"),
                    List.copyOf(bundles));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dp, e);
        }
    }

    private static BundleEntry inspect(String name, Attributes section, byte[] content) throws IOException {
        List<NestedJar> nested = new ArrayList<>();
        long embedded = 0;
        try (JarInputStream bundle = new JarInputStream(new ByteArrayInputStream(content))) {
            for (JarEntry entry = bundle.getNextJarEntry(); entry != null; entry = bundle.getNextJarEntry()) {
                long size = bundle.readAllBytes().length;
                // What the entry takes in the bundle jar (known once read), so the parts add up to the jar
                long stored = entry.getCompressedSize() > 0 ? entry.getCompressedSize() : size;
                if (entry.getName().endsWith(".jar")) {
                    nested.add(new NestedJar(entry.getName(), stored));
                } else if (entry.getName().startsWith("com/google/gson/")) {
                    embedded += stored;
                }
            }
        }
        return new BundleEntry(name, section.getValue("Bundle-SymbolicName"), section.getValue("Bundle-Version"),
                content, List.copyOf(nested), embedded);
    }

    Path file() {
        return this.file;
    }

    String version() {
        return this.version;
    }

    List<BundleEntry> bundles() {
        return this.bundles;
    }

    long fileSize() {
        try {
            return Files.size(this.file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes every bundle jar into {@code directory} (emptied first). */
    void extractBundles(Path directory) {
        try {
            if (Files.isDirectory(directory)) {
                try (Stream<Path> old = Files.walk(directory)) {
                    for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                        if (!path.equals(directory)) {
                            Files.delete(path);
                        }
                    }
                }
            }
            Files.createDirectories(directory);
            for (BundleEntry bundle : this.bundles) {
                Files.write(directory.resolve(Path.of(bundle.entryName()).getFileName()), bundle.content());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundles of " + this.file, e);
        }
    }
}
