package io.azurekura.connector.testsupport.sts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The injected faults still to apply. Latencies all apply to a request and add up; of the other faults only the
 * oldest applies, so {@code status(503) x2} then {@code wrongKey() x1} shapes three consecutive requests in that
 * order. A fault counts as used when a request arrives, whether or not it got as far as the fault's effect.
 */
final class FaultSchedule {

    static final int FOREVER = -1;

    /** What to do to one request. */
    static final class Plan {
        static final Plan NONE = new Plan(Duration.ZERO, null);

        final Duration delay;
        /** Null when the request is answered normally. */
        final Fault fault;

        Plan(Duration delay, Fault fault) {
            this.delay = delay;
            this.fault = fault;
        }
    }

    private static final class Entry {
        final Fault fault;
        int remaining;

        Entry(Fault fault, int remaining) {
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    synchronized void add(Fault fault, int times) {
        this.entries.add(new Entry(fault, times));
    }

    synchronized void clear() {
        this.entries.clear();
    }

    synchronized Plan next() {
        if (this.entries.isEmpty()) {
            return Plan.NONE;
        }
        Duration delay = Duration.ZERO;
        Fault shaping = null;
        for (Iterator<Entry> it = this.entries.iterator(); it.hasNext();) {
            Entry entry = it.next();
            boolean applies;
            if (entry.fault.kind() == Fault.Kind.LATENCY) {
                delay = delay.plus(entry.fault.delay());
                applies = true;
            } else {
                applies = shaping == null;
                if (applies) {
                    shaping = entry.fault;
                }
            }
            if (applies && entry.remaining != FOREVER && --entry.remaining == 0) {
                it.remove();
            }
        }
        return new Plan(delay, shaping);
    }
}
