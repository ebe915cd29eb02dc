package io.azurekura.connector.cloud.message;

import java.io.IOException;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;

import com.google.gson.stream.JsonWriter;

import io.azurekura.connector.common.redact.Redactor;

/**
 * Writes a KuraPayload as the JSON body IoT Hub receives:
 *
 * <pre>
 * {"timestamp":"2024-05-01T10:15:30.250Z",
 *  "position":{"latitude":45.1,"longitude":9.2,"altitude":120.0,...,"timestamp":"..."},
 *  "metrics":{"temperature":{"type":"double","value":21.5},"count":{"type":"long","value":42}},
 *  "body":"base64..."}
 * </pre>
 *
 * Each metric keeps its Kura type (the types Kura's payload supports: double, float, long, integer, boolean, string,
 * bytes) so a consumer can restore it; values are JSON numbers, booleans and strings, so routing queries such as
 * {@code $body.metrics.temperature.value > 30} work. Timestamps are ISO-8601 UTC. {@code position} and
 * {@code body} appear only when the payload has them; metrics are sorted by name.
 */
public final class KuraPayloadJson {

    /** Metric type names, as Kura's payload documentation names them. */
    public static final String DOUBLE = "double";
    public static final String FLOAT = "float";
    public static final String LONG = "long";
    public static final String INTEGER = "integer";
    public static final String BOOLEAN = "boolean";
    public static final String STRING = "string";
    public static final String BYTES = "bytes";

    /**
     * The longest JSON text the encoder produces: well above IoT Hub's 256 KiB message limit (which the hub
     * connection enforces with the exact byte count), so that a huge metric cannot make the encoder build an
     * unbounded string in memory first.
     */
    public static final int MAX_JSON_CHARS = 1 << 20;

    private KuraPayloadJson() {
    }

    /**
     * @param fallbackTimestamp the timestamp written when the payload has none (the publish time)
     */
    public static String encode(KuraPayload payload, Instant fallbackTimestamp) {
        checkMetricTypes(payload);
        byte[] body = payload.getBody();
        if (body != null && body.length > MAX_JSON_CHARS / 4 * 3) {
            throw tooLarge();
        }
        BoundedWriter text = new BoundedWriter(MAX_JSON_CHARS);
        try (JsonWriter json = new JsonWriter(text)) {
            json.setSerializeNulls(false);
            json.beginObject();
            Date timestamp = payload.getTimestamp();
            json.name("timestamp").value((timestamp == null ? fallbackTimestamp : timestamp.toInstant()).toString());
            KuraPosition position = payload.getPosition();
            if (position != null) {
                writePosition(json, position);
            }
            json.name("metrics").beginObject();
            // Unnamed and null metrics carry nothing a consumer could use; a null name would also break the sort.
            Map<String, Object> sorted = new TreeMap<>();
            payload.metrics().forEach((name, value) -> {
                if (name != null && value != null) {
                    sorted.put(name, value);
                }
            });
            for (Map.Entry<String, Object> metric : sorted.entrySet()) {
                json.name(metric.getKey());
                writeMetric(json, metric.getValue());
            }
            json.endObject();
            if (body != null && body.length > 0) {
                json.name("body").value(Base64.getEncoder().encodeToString(body));
            }
            json.endObject();
        } catch (BoundedWriter.LimitReached e) {
            throw tooLarge();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory does not fail otherwise
        }
        return text.toString();
    }

    private static PayloadRefusedException tooLarge() {
        return new PayloadRefusedException(PayloadRefusedException.Reason.TOO_LARGE,
                "the payload encodes to more than " + MAX_JSON_CHARS + " characters of JSON");
    }

    /** Kura's payload types only: anything else has no faithful JSON form here and is refused, not stringified. */
    private static void checkMetricTypes(KuraPayload payload) {
        for (Map.Entry<String, Object> metric : payload.metrics().entrySet()) {
            Object value = metric.getValue();
            if (value != null && !isSupported(value)) {
                throw new PayloadRefusedException(PayloadRefusedException.Reason.UNSUPPORTED_METRIC_TYPE,
                        "metric '" + Redactor.excerpt(String.valueOf(metric.getKey())) + "' is a "
                                + value.getClass().getName() + "; Kura metrics are double, float, long, integer, "
                                + "boolean, string or byte[]");
            }
        }
    }

    private static boolean isSupported(Object value) {
        return value instanceof Number || value instanceof Boolean || value instanceof CharSequence
                || value instanceof Character || value instanceof byte[] || value instanceof Date
                || value instanceof Enum;
    }

    /** Stops a runaway encoding as soon as it passes the limit. */
    private static final class BoundedWriter extends Writer {

        static final class LimitReached extends IOException {
            private static final long serialVersionUID = 1L;

            LimitReached() {
                super("limit reached", null);
            }
        }

        private final StringBuilder text = new StringBuilder();
        private final int limit;

        BoundedWriter(int limit) {
            this.limit = limit;
        }

        @Override
        public void write(char[] chars, int offset, int length) throws IOException {
            if (this.text.length() + (long) length > this.limit) {
                throw new LimitReached();
            }
            this.text.append(chars, offset, length);
        }

        @Override
        public void write(String string, int offset, int length) throws IOException {
            if (this.text.length() + (long) length > this.limit) {
                throw new LimitReached();
            }
            this.text.append(string, offset, offset + length);
        }

        @Override
        public void flush() {
            // in memory
        }

        @Override
        public void close() {
            // in memory
        }

        @Override
        public String toString() {
            return this.text.toString();
        }
    }

    private static void writePosition(JsonWriter json, KuraPosition position) throws IOException {
        json.name("position").beginObject();
        number(json, "latitude", position.getLatitude());
        number(json, "longitude", position.getLongitude());
        number(json, "altitude", position.getAltitude());
        number(json, "precision", position.getPrecision());
        number(json, "heading", position.getHeading());
        number(json, "speed", position.getSpeed());
        if (position.getTimestamp() != null) {
            json.name("timestamp").value(position.getTimestamp().toInstant().toString());
        }
        number(json, "satellites", position.getSatellites());
        number(json, "status", position.getStatus());
        json.endObject();
    }

    private static void number(JsonWriter json, String name, Number value) throws IOException {
        if (value != null && Double.isFinite(value.doubleValue())) {
            json.name(name).value(value);
        }
    }

    private static void writeMetric(JsonWriter json, Object value) throws IOException {
        json.beginObject();
        if (value instanceof Double || value instanceof Float) {
            json.name("type").value(value instanceof Double ? DOUBLE : FLOAT);
            double number = ((Number) value).doubleValue();
            if (Double.isFinite(number)) {
                json.name("value").value((Number) value);
            } else {
                json.name("value").value(String.valueOf(number)); // JSON has no NaN or Infinity
            }
        } else if (value instanceof Long) {
            json.name("type").value(LONG).name("value").value((Long) value);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            json.name("type").value(INTEGER).name("value").value(((Number) value).intValue());
        } else if (value instanceof Boolean) {
            json.name("type").value(BOOLEAN).name("value").value((Boolean) value);
        } else if (value instanceof byte[]) {
            json.name("type").value(BYTES).name("value").value(Base64.getEncoder().encodeToString((byte[]) value));
        } else if (value instanceof Date) {
            json.name("type").value(STRING).name("value").value(((Date) value).toInstant().toString());
        } else {
            json.name("type").value(STRING).name("value").value(String.valueOf(value));
        }
        json.endObject();
    }
}
