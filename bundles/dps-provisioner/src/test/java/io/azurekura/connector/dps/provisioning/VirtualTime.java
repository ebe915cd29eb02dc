package io.azurekura.connector.dps.provisioning;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import io.azurekura.connector.common.time.Clock;

/**
 * Time that moves only when the provisioner waits: every {@link #sleep} returns at once and advances both clocks by
 * the requested amount. Shared with the DPS emulator (through {@link #asJavaClock()}), so its polling-limit windows
 * and token expiry see exactly the waits the provisioner made.
 */
public final class VirtualTime implements Clock, Sleeper {

    private long nanos;
    private final long wallStartMillis;
    private final List<Duration> sleeps = new ArrayList<>();

    public VirtualTime(Instant start) {
        this.wallStartMillis = start.toEpochMilli();
    }

    @Override
    public synchronized long monotonicNanos() {
        return this.nanos;
    }

    @Override
    public synchronized long wallMillis() {
        return this.wallStartMillis + this.nanos / 1_000_000L;
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        synchronized (this) {
            this.sleeps.add(duration);
            this.nanos += Math.max(0, duration.toNanos());
        }
    }

    synchronized void advance(Duration duration) {
        this.nanos += duration.toNanos();
    }

    synchronized List<Duration> sleeps() {
        return List.copyOf(this.sleeps);
    }

    public synchronized Duration elapsed() {
        return Duration.ofNanos(this.nanos);
    }

    public synchronized Instant now() {
        return Instant.ofEpochMilli(wallMillis());
    }

    public java.time.Clock asJavaClock() {
        return new java.time.Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now();
            }
        };
    }
}
