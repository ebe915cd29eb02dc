package io.azurekura.connector.itest.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Version;

/**
 * Makes release N+1 of a deployment package from release N: the same bundles with the micro version raised by one
 * (in each bundle's manifest and in the package's {@code Name:} sections) and the same for
 * {@code DeploymentPackage-Version}. DeploymentAdmin leaves a bundle alone when the new package carries it at the
 * version already installed, so a real upgrade needs versions that differ; the content stays what was built, so the
 * upgrade tests exercise exactly the shipped code.
 */
public final class DeploymentPackageVersions {

    static final String DP_VERSION = "DeploymentPackage-Version";
    private static final String BUNDLE_VERSION = "Bundle-Version";
    private static final String BUNDLE_SYMBOLIC_NAME = "Bundle-SymbolicName";

    private DeploymentPackageVersions() {
    }

    /** {@code major.minor.(micro+1).qualifier}. */
    public static String next(String version) {
        Version v = Version.parseVersion(version);
        return new Version(v.getMajor(), v.getMinor(), v.getMicro() + 1, v.getQualifier()).toString();
    }

    /**
     * Writes release N+1 of {@code deploymentPackage} to {@code target}.
     *
     * @return the new DeploymentPackage-Version
     */
    public static String writeNextRelease(Path deploymentPackage, Path target) {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(deploymentPackage))) {
            Manifest manifest = in.getManifest();
            if (manifest == null || manifest.getMainAttributes().getValue(DP_VERSION) == null) {
                throw new IllegalArgumentException(deploymentPackage + " is not a deployment package");
            }
            Attributes main = manifest.getMainAttributes();
            String nextVersion = next(main.getValue(DP_VERSION));
            main.putValue(DP_VERSION, nextVersion);
            for (Map.Entry<String, Attributes> section : manifest.getEntries().entrySet()) {
                Attributes attributes = section.getValue();
                if (attributes.getValue(BUNDLE_SYMBOLIC_NAME) != null) {
                    attributes.putValue(BUNDLE_VERSION, next(attributes.getValue(BUNDLE_VERSION)));
                }
            }
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), manifest)) {
                for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                    byte[] content = in.readAllBytes();
                    Attributes section = manifest.getAttributes(entry.getName());
                    if (section != null && section.getValue(BUNDLE_SYMBOLIC_NAME) != null) {
                        content = withBundleVersion(content, section.getValue(BUNDLE_VERSION));
                    }
                    JarEntry copy = new JarEntry(entry.getName());
                    copy.setTime(entry.getTime());
                    out.putNextEntry(copy);
                    out.write(content);
                    out.closeEntry();
                }
            }
            return nextVersion;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write release N+1 of " + deploymentPackage, e);
        }
    }

    /** The bundle jar with {@code Bundle-Version: version}, every other entry as it was. */
    static byte[] withBundleVersion(byte[] bundle, String version) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(bundle.length + 1024);
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bundle))) {
            Manifest manifest = in.getManifest();
            if (manifest == null) {
                throw new IOException("a bundle without manifest");
            }
            manifest.getMainAttributes().putValue(BUNDLE_VERSION, version);
            try (JarOutputStream out = new JarOutputStream(buffer, manifest)) {
                copyEntries(in, out);
            }
        }
        return buffer.toByteArray();
    }

    private static void copyEntries(JarInputStream in, JarOutputStream out) throws IOException {
        for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
            JarEntry copy = new JarEntry(entry.getName());
            copy.setTime(entry.getTime());
            out.putNextEntry(copy);
            in.transferTo(out);
            out.closeEntry();
        }
    }
}
