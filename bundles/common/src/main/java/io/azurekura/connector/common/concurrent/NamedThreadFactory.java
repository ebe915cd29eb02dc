package io.azurekura.connector.common.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names every thread we start with a common prefix, so leak checks after a hot redeploy can tell ours apart, and
 * makes them daemons so a stuck one never holds the framework up.
 */
public final class NamedThreadFactory implements ThreadFactory {

    /** Every thread the connector starts begins with this. */
    public static final String PREFIX = "azure-sts-connector-";

    private final String name;
    private final AtomicInteger counter = new AtomicInteger();

    public NamedThreadFactory(String purpose) {
        this.name = PREFIX + purpose + "-";
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, this.name + this.counter.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }
}
