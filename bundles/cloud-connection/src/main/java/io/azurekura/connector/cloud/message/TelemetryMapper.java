package io.azurekura.connector.cloud.message;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.message.KuraPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.common.redact.Redactor;

/** Turns a KuraMessage into IoT Hub telemetry according to a publisher's {@link PublishOptions}. */
public final class TelemetryMapper {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryMapper.class);

    /** IoT Hub's limit for message and correlation ids. */
    static final int MAX_ID_LENGTH = 128;

    private TelemetryMapper() {
    }

    /**
     * @param messageId the id the hub will acknowledge (the caller's, so it can confirm delivery with it)
     * @param now the publish time: the JSON timestamp when the payload has none
     */
    public static TelemetryMessage toTelemetry(KuraMessage message, PublishOptions options, String messageId,
            Instant now) {
        Map<String, Object> kuraProperties = message.getProperties();
        KuraPayload payload = message.getPayload() == null ? new KuraPayload() : message.getPayload();
        BodyEncoding encoding = bodyEncoding(kuraProperties.get(MessageProperties.BODY_ENCODING),
                options.encoding());
        TelemetryMessage.Builder builder;
        if (encoding == BodyEncoding.JSON) {
            builder = TelemetryMessage.builder(KuraPayloadJson.encode(payload, now).getBytes(StandardCharsets.UTF_8))
                    .contentType("application/json").contentEncoding("utf-8");
        } else {
            byte[] body = payload.getBody();
            builder = TelemetryMessage.builder(body == null ? new byte[0] : body)
                    .contentType(text(kuraProperties.get(MessageProperties.CONTENT_TYPE), options.rawContentType()))
                    .contentEncoding(text(kuraProperties.get(MessageProperties.CONTENT_ENCODING),
                            options.rawContentEncoding()));
        }
        String correlationId = text(kuraProperties.get(MessageProperties.CORRELATION_ID), null);
        checkId(MessageProperties.MESSAGE_ID, messageId);
        checkId(MessageProperties.CORRELATION_ID, correlationId);
        builder.messageId(messageId).correlationId(correlationId);
        applicationProperties(kuraProperties, options).forEach(builder::property);
        return builder.build();
    }

    /**
     * IoT Hub's rule for message and correlation ids: at most 128 characters of 7-bit ASCII; control characters
     * would also break the MQTT topic the SDK builds. The id is never quoted back.
     */
    static void checkId(String property, String id) {
        if (id == null) {
            return;
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new PayloadRefusedException(PayloadRefusedException.Reason.INVALID_ID,
                    property + " is " + id.length() + " characters long (IoT Hub takes at most " + MAX_ID_LENGTH
                            + ")");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new PayloadRefusedException(PayloadRefusedException.Reason.INVALID_ID, String.format(
                        "%s has a character IoT Hub does not take at position %d (U+%04X)", property, i + 1,
                        (int) c));
            }
        }
    }

    /** The configured application properties, overridden by the message's own scalar properties. */
    static Map<String, String> applicationProperties(Map<String, Object> kuraProperties, PublishOptions options) {
        Map<String, String> properties = new LinkedHashMap<>(options.applicationProperties());
        for (Map.Entry<String, Object> property : kuraProperties.entrySet()) {
            String name = property.getKey();
            if (name == null || name.isBlank() || name.startsWith(MessageProperties.PREFIX)) {
                continue;
            }
            String value = scalar(property.getValue());
            if (value == null) {
                LOG.debug("KuraMessage property '{}' is not a scalar value; not sent to IoT Hub",
                        Redactor.excerpt(name));
            } else if (isReservedName(name)) {
                LOG.debug("KuraMessage property '{}' is reserved by IoT Hub; not sent", Redactor.excerpt(name));
            } else {
                properties.put(name, value);
            }
        }
        return properties;
    }

    /** Names IoT Hub reserves for system properties, and this connector's own control properties. */
    static boolean isReservedName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String prefix : MessageProperties.RESERVED_PREFIXES) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return lower.startsWith(MessageProperties.PREFIX);
    }

    private static String scalar(Object value) {
        if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean
                || value instanceof Character || value instanceof Enum) {
            return String.valueOf(value);
        }
        if (value instanceof Date) {
            return ((Date) value).toInstant().toString();
        }
        if (value instanceof Instant) {
            return value.toString();
        }
        return null;
    }

    private static BodyEncoding bodyEncoding(Object value, BodyEncoding fallback) {
        if (value == null) {
            return fallback;
        }
        String text = String.valueOf(value).trim();
        for (BodyEncoding candidate : BodyEncoding.values()) {
            if (candidate.name().equalsIgnoreCase(text)) {
                return candidate;
            }
        }
        // Application text: escaped and shortened before it reaches a log line.
        LOG.debug("{}='{}' is neither JSON nor RAW; using {}", MessageProperties.BODY_ENCODING,
                Redactor.excerpt(text), fallback);
        return fallback;
    }

    private static String text(Object value, String fallback) {
        if (value == null || String.valueOf(value).isBlank()) {
            return fallback;
        }
        return String.valueOf(value).trim();
    }
}
