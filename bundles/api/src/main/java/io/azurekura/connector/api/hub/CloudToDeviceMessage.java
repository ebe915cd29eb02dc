package io.azurekura.connector.api.hub;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A message IoT Hub sent to a device or module. Immutable: the body is copied in and out. */
public final class CloudToDeviceMessage {

    private final HubIdentity identity;
    private final byte[] body;
    private final String messageId;
    private final String correlationId;
    private final String contentType;
    private final String contentEncoding;
    private final Map<String, String> properties;
    private final Instant receivedAt;

    public CloudToDeviceMessage(HubIdentity identity, byte[] body, String messageId, String correlationId,
            String contentType, String contentEncoding, Map<String, String> properties, Instant receivedAt) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.body = Objects.requireNonNull(body, "body").clone();
        this.messageId = messageId;
        this.correlationId = correlationId;
        this.contentType = contentType;
        this.contentEncoding = contentEncoding;
        this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties == null ? Map.of() : properties));
        this.receivedAt = Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The identity (device or module) the message was sent to. */
    public HubIdentity identity() {
        return this.identity;
    }

    public byte[] body() {
        return this.body.clone();
    }

    public Optional<String> messageId() {
        return Optional.ofNullable(this.messageId);
    }

    public Optional<String> correlationId() {
        return Optional.ofNullable(this.correlationId);
    }

    public Optional<String> contentType() {
        return Optional.ofNullable(this.contentType);
    }

    public Optional<String> contentEncoding() {
        return Optional.ofNullable(this.contentEncoding);
    }

    /** Application properties; unmodifiable. */
    public Map<String, String> properties() {
        return this.properties;
    }

    public Instant receivedAt() {
        return this.receivedAt;
    }

    @Override
    public String toString() {
        return "CloudToDeviceMessage[id=" + this.messageId + " to " + this.identity + ", " + this.body.length
                + " bytes, properties=" + this.properties.keySet() + "]";
    }
}
