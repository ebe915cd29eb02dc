package io.azurekura.connector.cloud.message;

/** How a KuraPayload becomes an IoT Hub message body. */
public enum BodyEncoding {
    /**
     * The payload's timestamp, position and typed metrics as UTF-8 JSON with content type {@code application/json}
     * and encoding {@code utf-8}: IoT Hub message routing can query the body only with both set.
     */
    JSON,
    /** The payload's body bytes as they are (empty without a body); metrics and position are not sent. */
    RAW
}
