package io.azurekura.connector.cloud.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class KuraPayloadJsonTest {

    private static final Instant SENT = Instant.parse("2024-05-01T10:15:30.250Z");
    private static final Instant NOW = Instant.parse("2024-05-01T10:16:00Z");

    private static JsonObject encode(KuraPayload payload) {
        return JsonParser.parseString(KuraPayloadJson.encode(payload, NOW)).getAsJsonObject();
    }

    @Test
    void everyKuraMetricTypeKeepsItsTypeAndANativeJsonValue() {
        KuraPayload payload = new KuraPayload();
        payload.setTimestamp(Date.from(SENT));
        payload.addMetric("temperature", 21.5d);
        payload.addMetric("ratio", 0.25f);
        payload.addMetric("count", 42L);
        payload.addMetric("level", 7);
        payload.addMetric("online", true);
        payload.addMetric("name", "pump-3");
        payload.addMetric("raw", new byte[] { 1, 2, 3 });

        JsonObject json = encode(payload);

        assertThat(json.get("timestamp").getAsString()).isEqualTo("2024-05-01T10:15:30.250Z");
        JsonObject metrics = json.getAsJsonObject("metrics");
        assertThat(metrics.keySet()).containsExactly("count", "level", "name", "online", "ratio", "raw",
                "temperature");
        assertMetric(metrics, "temperature", "double").satisfies(m -> assertThat(m.get("value").getAsDouble())
                .isEqualTo(21.5d));
        assertMetric(metrics, "ratio", "float").satisfies(m -> assertThat(m.get("value").getAsFloat())
                .isEqualTo(0.25f));
        assertMetric(metrics, "count", "long").satisfies(m -> assertThat(m.get("value").getAsLong()).isEqualTo(42L));
        assertMetric(metrics, "level", "integer").satisfies(m -> assertThat(m.get("value").getAsInt()).isEqualTo(7));
        assertMetric(metrics, "online", "boolean").satisfies(m -> assertThat(m.get("value").getAsBoolean())
                .isTrue());
        assertMetric(metrics, "name", "string").satisfies(m -> assertThat(m.get("value").getAsString())
                .isEqualTo("pump-3"));
        assertMetric(metrics, "raw", "bytes").satisfies(m -> assertThat(
                Base64.getDecoder().decode(m.get("value").getAsString())).containsExactly(1, 2, 3));
        assertThat(metrics.getAsJsonObject("temperature").get("value").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(json.has("position")).isFalse();
        assertThat(json.has("body")).isFalse();
    }

    private static org.assertj.core.api.ObjectAssert<JsonObject> assertMetric(JsonObject metrics, String name,
            String type) {
        JsonObject metric = metrics.getAsJsonObject(name);
        assertThat(metric.get("type").getAsString()).as("type of %s", name).isEqualTo(type);
        return assertThat(metric);
    }

    @Test
    void positionCarriesOnlyTheFieldsThatAreSet() {
        KuraPosition position = new KuraPosition();
        position.setLatitude(45.4642);
        position.setLongitude(9.19);
        position.setAltitude(122.5);
        position.setSatellites(9);
        position.setTimestamp(Date.from(SENT));
        KuraPayload payload = new KuraPayload();
        payload.setPosition(position);

        JsonObject json = encode(payload).getAsJsonObject("position");

        assertThat(json.keySet()).containsExactly("latitude", "longitude", "altitude", "timestamp", "satellites");
        assertThat(json.get("latitude").getAsDouble()).isEqualTo(45.4642);
        assertThat(json.get("longitude").getAsDouble()).isEqualTo(9.19);
        assertThat(json.get("satellites").getAsInt()).isEqualTo(9);
        assertThat(json.get("timestamp").getAsString()).isEqualTo("2024-05-01T10:15:30.250Z");
    }

    @Test
    void withoutTimestampThePublishTimeIsUsedAndMetricsMayBeEmpty() {
        JsonObject json = encode(new KuraPayload());

        assertThat(json.get("timestamp").getAsString()).isEqualTo("2024-05-01T10:16:00Z");
        assertThat(json.getAsJsonObject("metrics").size()).isZero();
    }

    @Test
    void aBodyIsCarriedAsBase64() {
        KuraPayload payload = new KuraPayload();
        payload.setBody("hello".getBytes(StandardCharsets.UTF_8));

        assertThat(Base64.getDecoder().decode(encode(payload).get("body").getAsString()))
                .asString(StandardCharsets.UTF_8).isEqualTo("hello");
    }

    @Test
    void nonFiniteNumbersAndNullsDoNotBreakTheJson() {
        KuraPayload payload = new KuraPayload();
        payload.addMetric("nan", Double.NaN);
        payload.addMetric("inf", Float.POSITIVE_INFINITY);
        payload.addMetric("missing", null);

        JsonObject metrics = encode(payload).getAsJsonObject("metrics");

        assertThat(metrics.keySet()).containsExactly("inf", "nan");
        assertThat(metrics.getAsJsonObject("nan").get("value").getAsString()).isEqualTo("NaN");
        assertThat(metrics.getAsJsonObject("inf").get("type").getAsString()).isEqualTo("float");
        assertThat(metrics.getAsJsonObject("inf").get("value").getAsString()).isEqualTo("Infinity");
    }
}
