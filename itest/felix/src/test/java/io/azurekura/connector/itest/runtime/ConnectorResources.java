package io.azurekura.connector.itest.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * What the connector holds in the JVM beyond its classes: threads and sockets. Used by the leak checks after a
 * deployment package is uninstalled and by the figures.
 * <p>
 * Threads count as the connector's when the connector or a library it embeds started them: our own
 * ({@value KuraLikeRuntime#CONNECTOR_THREAD_PREFIX}, which the Azure SDK's threads also carry through its thread name
 * prefix option), Paho's MQTT threads ({@code MQTT Rec:}, {@code MQTT Snd:}, {@code MQTT Call:}, {@code MQTT Ping:}),
 * anything named after the Azure IoT SDK, and the JDK HTTP client's selector threads (the STS and DPS clients are
 * the only users of {@code java.net.http} in these JVMs; the emulators use Vert.x).
 */
public final class ConnectorResources {

    private static final Pattern LIBRARY_THREADS = Pattern.compile(
            "MQTT (Rec|Snd|Call|Ping|Con|Disc).*|.*azure-iot-sdk.*|HttpClient-\\d+-SelectorManager");
    private static final Path OWN_FILE_DESCRIPTORS = Paths.get("/proc/self/fd");

    private ConnectorResources() {
    }

    /** Whether a thread of this name was started by the connector or a library it embeds. */
    public static boolean isConnectorThread(String name) {
        return name.startsWith(KuraLikeRuntime.CONNECTOR_THREAD_PREFIX) || LIBRARY_THREADS.matcher(name).matches();
    }

    /** Names of the live threads started by the connector or its libraries, sorted. */
    public static List<String> threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(ConnectorResources::isConnectorThread).sorted().toList();
    }

    /**
     * Sockets this JVM has open (both ends of loopback connections count, as the emulators run in the same JVM),
     * read from {@code /proc/self/fd}; empty where there is no such directory (not Linux).
     */
    public static OptionalInt openSockets() {
        if (!Files.isDirectory(OWN_FILE_DESCRIPTORS)) {
            return OptionalInt.empty();
        }
        int sockets = 0;
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(OWN_FILE_DESCRIPTORS)) {
            for (Path descriptor : descriptors) {
                try {
                    if (Files.readSymbolicLink(descriptor).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            }
        } catch (IOException e) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(sockets);
    }

    /**
     * Asks the JVM to collect garbage. The JDK HTTP client closes its pooled connections and ends its selector
     * thread only once the client object is unreachable, so leak checks collect before they count.
     */
    public static void collectGarbage() {
        System.gc();
    }
}
