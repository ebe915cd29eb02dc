package io.azurekura.connector.testsupport.logging;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Every log line of the JVM, formatted with its stack traces, while open. The modules' tests route slf4j to
 * java.util.logging (slf4j-jdk14), so this sees the connector's, the SDK's and the emulators' lines alike, at every
 * level including DEBUG.
 */
public final class CapturedLogs extends Handler implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final Logger root = Logger.getLogger("");
    /** Held so the level set on it survives garbage collection of unreferenced JUL loggers. */
    private final Logger ours = Logger.getLogger("io.azurekura");
    private final Level previousRoot;
    private final Level previousOurs;

    public CapturedLogs() {
        this.previousRoot = this.root.getLevel();
        this.previousOurs = this.ours.getLevel();
        this.root.setLevel(Level.ALL);
        this.ours.setLevel(Level.ALL);
        setLevel(Level.ALL);
        this.root.addHandler(this);
    }

    /** The formatted lines so far (a record with a stack trace is one entry holding several lines). */
    public List<String> lines() {
        return List.copyOf(this.lines);
    }

    /** All captured text at once, for "contains nowhere" checks. */
    public String text() {
        return String.join("", this.lines);
    }

    /** The captured entries that contain {@code fragment}. */
    public List<String> linesContaining(String fragment) {
        return this.lines.stream().filter(line -> line.contains(fragment)).toList();
    }

    /**
     * The secrets (and their URL-encoded forms) that appear anywhere in what was logged, empty when none did. Tests
     * assert this is empty; a non-empty answer names the secret's position, never prints the log line itself.
     */
    public List<String> leakedSecrets(String... secrets) {
        String all = text();
        return java.util.Arrays.stream(secrets).filter(s -> s != null && !s.isEmpty())
                .filter(s -> all.contains(s)
                        || all.contains(java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8)))
                .map(s -> "secret of " + s.length() + " chars starting '" + s.charAt(0) + "…'").toList();
    }

    public void clear() {
        this.lines.clear();
    }

    @Override
    public void publish(LogRecord record) {
        if (record != null) {
            this.lines.add(this.formatter.format(record));
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        this.root.removeHandler(this);
        this.root.setLevel(this.previousRoot);
        this.ours.setLevel(this.previousOurs);
    }
}
