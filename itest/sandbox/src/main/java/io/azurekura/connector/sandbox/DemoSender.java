package io.azurekura.connector.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.TelemetryMessage;

/**
 * What an application on the gateway does with the connector: every few seconds, one JSON reading per hub
 * connection, sent through the {@link HubConnection} service (looked up each time, as a service may come and go),
 * counting what the hub acknowledged.
 */
final class DemoSender implements AutoCloseable {

    /** One connection's counts. */
    static final class Counts {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong noService = new AtomicLong();
        final AtomicReference<Instant> lastAcknowledged = new AtomicReference<>();
        final AtomicReference<String> lastFailure = new AtomicReference<>();
    }

    private final Map<String, Counts> counts = new LinkedHashMap<>();
    private final Function<String, Optional<HubConnection>> connections;
    private final ScheduledExecutorService timer = Executors
            .newSingleThreadScheduledExecutor(task -> new Thread(task, "sandbox-demo-sender"));
    private final AtomicLong sequence = new AtomicLong();

    DemoSender(List<String> connectionPids, Function<String, Optional<HubConnection>> connections) {
        connectionPids.forEach(pid -> this.counts.put(pid, new Counts()));
        this.connections = connections;
    }

    void start(Duration interval) {
        this.timer.scheduleAtFixedRate(this::sendAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    Map<String, Counts> counts() {
        return this.counts;
    }

    private void sendAll() {
        this.counts.forEach((pid, count) -> {
            Optional<HubConnection> connection = this.connections.apply(pid);
            if (connection.isEmpty()) {
                count.noService.incrementAndGet();
                return;
            }
            double temperature = 20 + ThreadLocalRandom.current().nextDouble(5);
            String json = String.format(Locale.ROOT, "{\"seq\":%d,\"temperature\":%.2f,\"source\":\"sandbox\"}",
                    this.sequence.incrementAndGet(), temperature);
            count.sent.incrementAndGet();
            try {
                connection.get().send(TelemetryMessage.ofJson(json)).whenComplete((receipt, failure) -> {
                    if (failure == null) {
                        count.acknowledged.incrementAndGet();
                        count.lastAcknowledged.set(receipt.acknowledgedAt());
                    } else {
                        failed(count, failure);
                    }
                });
            } catch (RuntimeException e) {
                // e.g. the service went away during the call; a failed run must not end the schedule
                failed(count, e);
            }
        });
    }

    private static void failed(Counts count, Throwable failure) {
        count.failed.incrementAndGet();
        count.lastFailure.set(String.valueOf(failure.getMessage()));
    }

    @Override
    public void close() throws InterruptedException {
        this.timer.shutdownNow();
        this.timer.awaitTermination(5, TimeUnit.SECONDS);
    }
}
