package io.azurekura.connector.testsupport.hub;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cloud-to-device message queued by {@link IotHubEmulator#sendCloudToDevice}: kept in the device's queue while it
 * is offline or not subscribed, delivered with QoS 1, and re-queued if the connection ends before the PUBACK.
 */
public final class CloudToDeviceMessage {

    private final String deviceId;
    private final String messageId;
    private final byte[] body;
    private final Map<String, String> systemProperties;
    private final Map<String, String> applicationProperties;
    private final Instant enqueuedAt;
    private final AtomicInteger deliveries = new AtomicInteger();
    private final CompletableFuture<Instant> acknowledged = new CompletableFuture<>();

    CloudToDeviceMessage(String deviceId, String messageId, byte[] body, Map<String, String> systemProperties,
            Map<String, String> applicationProperties, Instant enqueuedAt) {
        this.deviceId = deviceId;
        this.messageId = messageId;
        this.body = body.clone();
        // insertion order kept: IoT Hub puts the system properties first, and the SDK parses from the first %24
        this.systemProperties = Collections.unmodifiableMap(new LinkedHashMap<>(systemProperties));
        this.applicationProperties = Collections.unmodifiableMap(new LinkedHashMap<>(applicationProperties));
        this.enqueuedAt = enqueuedAt;
    }

    public String deviceId() {
        return this.deviceId;
    }

    /** {@code $.mid}: the caller's, or a UUID. */
    public String messageId() {
        return this.messageId;
    }

    public byte[] body() {
        return this.body.clone();
    }

    Map<String, String> systemProperties() {
        return this.systemProperties;
    }

    Map<String, String> applicationProperties() {
        return this.applicationProperties;
    }

    public Instant enqueuedAt() {
        return this.enqueuedAt;
    }

    /** How many times it was published to the device (more than one after a connection ended without PUBACK). */
    public int deliveries() {
        return this.deliveries.get();
    }

    int markDelivered() {
        return this.deliveries.incrementAndGet();
    }

    /** Completes with the time of the device's PUBACK. */
    public CompletableFuture<Instant> acknowledged() {
        return this.acknowledged;
    }

    boolean isAcknowledged() {
        return this.acknowledged.isDone();
    }

    void acknowledge(Instant at) {
        this.acknowledged.complete(at);
    }
}
