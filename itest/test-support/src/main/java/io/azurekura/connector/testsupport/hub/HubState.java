package io.azurekura.connector.testsupport.hub;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.vertx.core.Vertx;

/**
 * What the emulator's protocol front ends share, so one emulated hub answers MQTT and AMQP alike: one registry, one
 * set of counters, one connection log, one telemetry log and one cloud-to-device queue per device. Everything here is
 * used on the emulator's single event loop (the counters and logs are also read from test threads).
 *
 * @param cloudToDeviceQueue the device's queue, created when missing
 */
record HubState(Vertx vertx, Clock clock, DeviceRegistry registry, HubCounters counters,
        Supplier<Set<String>> hostNames, Supplier<Duration> expiryGrace, BooleanSupplier throttled,
        Consumer<ConnectionEvent> events, Consumer<TelemetryMessage> telemetry,
        Function<String, ConcurrentLinkedDeque<CloudToDeviceMessage>> cloudToDeviceQueue) {
}
