package io.azurekura.connector.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

/**
 * Checks the bundle bnd wrote into target/classes (process-classes runs before the tests): what it imports, and that
 * the privately embedded SDK works from its own class loader.
 */
class BundleManifestTest {

    private static final Path CLASSES = Path.of("target", "classes");
    /**
     * House rule: shipped bundles import only these, and Gson from Kura's own bundle (docs/kura-conventions.md
     * "Libraries Kura ships"); everything else is embedded.
     */
    private static final List<String> ALLOWED_IMPORTS = List.of("org.osgi.", "org.eclipse.kura", "org.slf4j",
            "javax.", "io.azurekura.connector.api.", "com.google.gson");

    private static Manifest manifest() throws Exception {
        try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
            return new Manifest(in);
        }
    }

    /** Splits a manifest header into clauses, honouring quoted commas. */
    private static List<String> clauses(String header) {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : header.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                result.add(current.toString().trim());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        result.add(current.toString().trim());
        return result;
    }

    @Test
    void importsOnlyWhatKuraProvides() throws Exception {
        String imports = manifest().getMainAttributes().getValue("Import-Package");

        List<String> packages = clauses(imports).stream().map(c -> c.split(";")[0]).toList();

        assertThat(packages).isNotEmpty().allSatisfy(p -> assertThat(ALLOWED_IMPORTS).anyMatch(p::startsWith));
        assertThat(packages).contains("com.google.gson").doesNotContain("org.eclipse.paho.client.mqttv3");
        // Kura 5.2 and later ship Gson 2.9.0, the version the SDK is built against
        assertThat(clauses(imports)).filteredOn(c -> c.startsWith("com.google.gson")).isNotEmpty()
                .allSatisfy(c -> assertThat(c).endsWith(";version=\"[2.9,3)\""));
        assertThat(manifest().getMainAttributes().getValue("Export-Package")).isNull();
    }

    @Test
    void embedsTheSdkAndItsLibrariesWithoutSignatures() throws Exception {
        List<String> classPath = clauses(manifest().getMainAttributes().getValue("Bundle-ClassPath"));

        assertThat(classPath).contains(".", "lib/iot-device-client.jar", "lib/org.eclipse.paho.client.mqttv3.jar",
                "lib/proton-j.jar", "lib/qpid-proton-j-extensions.jar").doesNotContain("lib/gson.jar");
        for (String entry : classPath.subList(1, classPath.size())) {
            try (JarFile jar = new JarFile(CLASSES.resolve(entry).toFile(), false)) {
                assertThat(jar.stream().map(e -> e.getName()))
                        .as(entry).noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)"));
            }
        }
    }

    /**
     * Paho finds its TCP/TLS/WebSocket network modules with ServiceLoader over its own class loader (not the thread
     * context class loader), so inside a bundle it needs only META-INF/services in its embedded jar.
     */
    @Test
    void pahoFindsItsNetworkModulesFromAnIsolatedClassLoader() throws Exception {
        List<URL> jars = new ArrayList<>();
        try (var files = Files.list(CLASSES.resolve("lib"))) {
            for (Path jar : files.toList()) {
                jars.add(jar.toUri().toURL());
            }
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader bundleLike = new URLClassLoader(jars.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader());
                URLClassLoader unrelated = new URLClassLoader(new URL[0], null)) {
            thread.setContextClassLoader(unrelated);
            Class<?> service = Class.forName("org.eclipse.paho.client.mqttv3.internal.NetworkModuleService", true,
                    bundleLike);
            Method validate = service.getMethod("validateURI", String.class);

            validate.invoke(null, "ssl://localhost:8883");
            validate.invoke(null, "wss://localhost:443/$iothub/websocket");
            assertThatThrownBy(() -> validate.invoke(null, "carrier-pigeon://localhost"))
                    .isInstanceOf(InvocationTargetException.class)
                    .hasCauseInstanceOf(IllegalArgumentException.class);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
