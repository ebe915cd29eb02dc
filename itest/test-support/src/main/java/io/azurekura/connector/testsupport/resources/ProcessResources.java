package io.azurekura.connector.testsupport.resources;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.function.Predicate;

/**
 * What this JVM holds open right now, for leak checks that must not depend on a garbage collection: sockets (the
 * entries of {@code /proc/self/fd} that link to {@code socket:[...]}, Linux only) and live threads by name.
 */
public final class ProcessResources {

    /** Threads of the JDK HTTP stacks: java.net.http's selector and HttpURLConnection's keep-alive cache. */
    public static final Predicate<String> HTTP_STACK_THREAD = name -> name.startsWith("HttpClient-")
            || name.startsWith("Keep-Alive-") || name.startsWith("azure-sts-connector-");

    private ProcessResources() {
    }

    /** Open socket descriptors of this process (listening, connected and half-closed alike). */
    public static int openSockets() {
        Path fds = Paths.get("/proc/self/fd");
        int sockets = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
            for (Path entry : entries) {
                try {
                    if (Files.readSymbolicLink(entry).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (IOException e) {
                    // the descriptor was closed while we listed the directory (e.g. this very listing's)
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd (not Linux?)", e);
        }
        return sockets;
    }

    /** Names of live threads matching {@code filter}. */
    public static List<String> threads(Predicate<String> filter) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(filter).sorted().toList();
    }
}
