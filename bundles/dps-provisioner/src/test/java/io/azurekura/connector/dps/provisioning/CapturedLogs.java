package io.azurekura.connector.dps.provisioning;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Every log line of the JVM while open: slf4j goes to java.util.logging in tests (slf4j-jdk14). */
final class CapturedLogs extends Handler implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final Logger root = Logger.getLogger("");
    /** Held so the level set on it survives garbage collection of unreferenced JUL loggers. */
    private final Logger ours = Logger.getLogger("io.azurekura");
    private final Level previous;

    CapturedLogs() {
        this.previous = this.root.getLevel();
        this.root.setLevel(Level.ALL);
        this.ours.setLevel(Level.ALL);
        setLevel(Level.ALL);
        this.root.addHandler(this);
    }

    List<String> lines() {
        return List.copyOf(this.lines);
    }

    @Override
    public void publish(LogRecord record) {
        this.lines.add(this.formatter.format(record));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        this.root.removeHandler(this);
        this.root.setLevel(this.previous);
    }
}
