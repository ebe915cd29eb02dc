package io.azurekura.connector.itest.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Every log line of a runtime's life: what the connector logs through slf4j (bound to java.util.logging in the
 * tests) and what the framework's services log to the OSGi LogService (see {@link OsgiLogBridge}). Kept so tests
 * can prove that no secret, key or token signature was ever logged.
 */
public final class RuntimeLog {

    private static final int MAX_LINES = 200_000;

    private final List<String> lines = new ArrayList<>();
    private final Handler julHandler = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder().append(record.getLevel()).append(' ')
                    .append(record.getLoggerName()).append(": ").append(this.formatter.formatMessage(record));
            for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                line.append(" | ").append(t);
            }
            add(line.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    RuntimeLog() {
        this.julHandler.setLevel(Level.ALL);
    }

    void attachToJavaLogging() {
        Logger.getLogger("").addHandler(this.julHandler);
    }

    void detachFromJavaLogging() {
        Logger.getLogger("").removeHandler(this.julHandler);
    }

    void add(String line) {
        synchronized (this.lines) {
            if (this.lines.size() < MAX_LINES) {
                this.lines.add(line);
            }
        }
    }

    /** A copy of every line so far. */
    public List<String> lines() {
        synchronized (this.lines) {
            return new ArrayList<>(this.lines);
        }
    }

    /** Lines containing {@code text} (case-sensitive). */
    public List<String> linesContaining(String text) {
        return lines().stream().filter(line -> line.contains(text)).toList();
    }
}
