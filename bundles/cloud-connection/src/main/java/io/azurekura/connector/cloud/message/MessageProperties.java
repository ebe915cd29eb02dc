package io.azurekura.connector.cloud.message;

/**
 * KuraMessage property names with a meaning to this connection type. Outgoing, they set IoT Hub system properties
 * instead of becoming application properties; incoming (cloud-to-device), they carry the hub's system properties.
 * Every other property travels as an IoT Hub application property.
 */
public final class MessageProperties {

    /** Prefix of every name below; properties with it are never sent as application properties. */
    public static final String PREFIX = "azure.";
    /** IoT Hub message id ({@code $.mid}); outgoing, a random UUID when absent. */
    public static final String MESSAGE_ID = "azure.message.id";
    /** IoT Hub correlation id ({@code $.cid}). */
    public static final String CORRELATION_ID = "azure.correlation.id";
    /** Content type ({@code $.ct}); outgoing, only for a raw body (JSON bodies are always application/json). */
    public static final String CONTENT_TYPE = "azure.content.type";
    /** Content encoding ({@code $.ce}); outgoing, only for a raw body (JSON bodies are always utf-8). */
    public static final String CONTENT_ENCODING = "azure.content.encoding";
    /** Outgoing: {@code JSON} or {@code RAW}, overriding the publisher's body encoding for this message. */
    public static final String BODY_ENCODING = "azure.body.encoding";

    /**
     * Name prefixes IoT Hub reserves for its own properties ({@code $.mid}, {@code iothub-enqueuedtime}, ...): such
     * application properties would make the device SDK refuse the whole message, so they are dropped.
     */
    static final String[] RESERVED_PREFIXES = { "$", "iothub-" };

    /** Subscription properties of {@code CloudEndpoint.registerSubscriber}: deliver only messages with ... */
    public static final String FILTER_PROPERTY_NAME = "azure.filter.property.name";
    /** ... this application property value (empty or absent: any value of the named property). */
    public static final String FILTER_PROPERTY_VALUE = "azure.filter.property.value";

    private MessageProperties() {
    }
}
