package io.azurekura.connector.testsupport.hub;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** A device-to-cloud message the emulator accepted (and acknowledged, for QoS 1), as recorded for assertions. */
public final class TelemetryMessage {

    private final String deviceId;
    private final String moduleId;
    private final String topic;
    private final byte[] body;
    private final Map<String, String> systemProperties;
    private final Map<String, String> applicationProperties;
    private final Instant receivedAt;
    private final int qos;
    private final boolean duplicate;

    TelemetryMessage(String deviceId, String moduleId, String topic, byte[] body, PropertyBag properties,
            Instant receivedAt, int qos, boolean duplicate) {
        this.deviceId = deviceId;
        this.moduleId = moduleId;
        this.topic = topic;
        this.body = body.clone();
        this.systemProperties = properties.systemProperties();
        this.applicationProperties = properties.applicationProperties();
        this.receivedAt = receivedAt;
        this.qos = qos;
        this.duplicate = duplicate;
    }

    public String deviceId() {
        return this.deviceId;
    }

    /** Null for a device's own telemetry. */
    public String moduleId() {
        return this.moduleId;
    }

    /** {@code deviceId} or {@code deviceId/moduleId}. */
    public String clientId() {
        return this.moduleId == null ? this.deviceId : this.deviceId + "/" + this.moduleId;
    }

    /** The PUBLISH topic exactly as received. */
    public String topic() {
        return this.topic;
    }

    public byte[] body() {
        return this.body.clone();
    }

    public String bodyAsString() {
        return new String(this.body, StandardCharsets.UTF_8);
    }

    /** Keys as on the wire with a literal {@code $}: {@code $.mid}, {@code $.ct}, {@code $.ce}, ...; values decoded. */
    public Map<String, String> systemProperties() {
        return this.systemProperties;
    }

    /** Application properties, keys and values URL-decoded. */
    public Map<String, String> applicationProperties() {
        return this.applicationProperties;
    }

    /** {@code $.mid}, or null. */
    public String messageId() {
        return this.systemProperties.get(IotHubMqttTopics.MESSAGE_ID);
    }

    /** {@code $.ct}, or null. */
    public String contentType() {
        return this.systemProperties.get(IotHubMqttTopics.CONTENT_TYPE);
    }

    /** {@code $.ce}, or null. */
    public String contentEncoding() {
        return this.systemProperties.get(IotHubMqttTopics.CONTENT_ENCODING);
    }

    public Instant receivedAt() {
        return this.receivedAt;
    }

    public int qos() {
        return this.qos;
    }

    /** The MQTT DUP flag: the client is re-sending a PUBLISH it did not see acknowledged. */
    public boolean isDuplicate() {
        return this.duplicate;
    }

    @Override
    public String toString() {
        return "TelemetryMessage[" + clientId() + ", mid=" + messageId() + ", " + this.body.length + " bytes, app="
                + this.applicationProperties + ", at " + this.receivedAt + "]";
    }
}
