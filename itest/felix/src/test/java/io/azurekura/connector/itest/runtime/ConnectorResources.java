package io.azurekura.connector.itest.runtime;

import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Pattern;

import io.azurekura.connector.testsupport.resources.ProcessResources;

/**
 * What the connector holds in the JVM beyond its classes: threads and sockets. Used by the leak checks after a
 * deployment package is uninstalled and by the figures.
 * <p>
 * Threads count as the connector's when the connector or a library it embeds started them: our own
 * ({@value KuraLikeRuntime#CONNECTOR_THREAD_PREFIX}, which the Azure SDK's threads also carry through its thread name
 * prefix option), Paho's MQTT threads ({@code MQTT Rec:}, {@code MQTT Snd:}, {@code MQTT Call:}, {@code MQTT Ping:}),
 * anything named after the Azure IoT SDK, and the JDK HTTP client's selector threads (the STS and DPS clients no
 * longer use {@code java.net.http}; one showing up would be a regression; the emulators use Vert.x).
 * <p>
 * The leak checks count without a garbage collection: the connector must release what it opened when it stops.
 */
public final class ConnectorResources {

    private static final Pattern LIBRARY_THREADS = Pattern.compile(
            "MQTT (Rec|Snd|Call|Ping|Con|Disc).*|.*azure-iot-sdk.*|HttpClient-\\d+-SelectorManager");

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
     * Sockets this JVM has open (both ends of loopback connections count, as the emulators run in the same JVM);
     * empty where {@code /proc/self/fd} cannot be read (not Linux).
     */
    public static OptionalInt openSockets() {
        try {
            return OptionalInt.of(ProcessResources.openSockets());
        } catch (IllegalStateException e) {
            return OptionalInt.empty();
        }
    }

    /** Asks the JVM to collect garbage: for heap figures only, never before a leak check. */
    public static void collectGarbage() {
        System.gc();
    }
}
