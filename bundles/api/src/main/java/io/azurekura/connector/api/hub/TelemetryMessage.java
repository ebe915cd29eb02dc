package io.azurekura.connector.api.hub;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A device-to-cloud message. Immutable: the body is copied in and out. Build one with {@link #builder(byte[])} or
 * {@link #ofJson(String)}.
 */
public final class TelemetryMessage {

    private final byte[] body;
    private final String messageId;
    private final String correlationId;
    private final String contentType;
    private final String contentEncoding;
    private final Map<String, String> properties;

    private TelemetryMessage(Builder builder) {
        this.body = builder.body.clone();
        this.messageId = builder.messageId;
        this.correlationId = builder.correlationId;
        this.contentType = builder.contentType;
        this.contentEncoding = builder.contentEncoding;
        this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(builder.properties));
    }

    public static Builder builder(byte[] body) {
        return new Builder(body);
    }

    /**
     * A UTF-8 JSON body with content type {@code application/json} and encoding {@code utf-8}, which IoT Hub message
     * routing needs to query the body.
     */
    public static TelemetryMessage ofJson(String json) {
        return builder(json.getBytes(StandardCharsets.UTF_8)).contentType("application/json").contentEncoding("utf-8")
                .build();
    }

    /** A copy of the body. */
    public byte[] body() {
        return this.body.clone();
    }

    public int bodyLength() {
        return this.body.length;
    }

    /** The message id; when absent the connector assigns a random UUID and reports it in the receipt. */
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

    /** Application properties, in insertion order; unmodifiable. */
    public Map<String, String> properties() {
        return this.properties;
    }

    /** A copy of this message with the given message id. */
    public TelemetryMessage withMessageId(String id) {
        Builder builder = new Builder(this.body);
        builder.messageId(id).correlationId(this.correlationId).contentType(this.contentType)
                .contentEncoding(this.contentEncoding);
        this.properties.forEach(builder::property);
        return builder.build();
    }

    @Override
    public String toString() {
        return "TelemetryMessage[id=" + this.messageId + ", " + this.body.length + " bytes, properties="
                + this.properties.keySet() + "]";
    }

    /** Collects the parts of a message; not thread-safe. */
    public static final class Builder {

        private final byte[] body;
        private String messageId;
        private String correlationId;
        private String contentType;
        private String contentEncoding;
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder(byte[] body) {
            this.body = Objects.requireNonNull(body, "body").clone();
        }

        public Builder messageId(String id) {
            this.messageId = blankToNull(id);
            return this;
        }

        public Builder correlationId(String id) {
            this.correlationId = blankToNull(id);
            return this;
        }

        /** E.g. {@code application/json}; IoT Hub routing needs it (with the encoding) to query the body. */
        public Builder contentType(String type) {
            this.contentType = blankToNull(type);
            return this;
        }

        /** E.g. {@code utf-8}. */
        public Builder contentEncoding(String encoding) {
            this.contentEncoding = blankToNull(encoding);
            return this;
        }

        /** An application property; a later value for the same name replaces the earlier one. */
        public Builder property(String name, String value) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("property name must not be empty");
            }
            this.properties.put(name, Objects.requireNonNull(value, "property value"));
            return this;
        }

        public TelemetryMessage build() {
            return new TelemetryMessage(this);
        }

        private static String blankToNull(String value) {
            return value == null || value.isBlank() ? null : value;
        }
    }
}
