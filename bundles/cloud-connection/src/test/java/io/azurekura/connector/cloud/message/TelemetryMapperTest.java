package io.azurekura.connector.cloud.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonParser;

import io.azurekura.connector.api.hub.TelemetryMessage;

class TelemetryMapperTest {

    private static final Instant NOW = Instant.parse("2024-05-01T10:16:00Z");

    private static KuraMessage message(Map<String, Object> properties) {
        KuraPayload payload = new KuraPayload();
        payload.addMetric("temperature", 21.5d);
        payload.setBody("raw-body".getBytes(StandardCharsets.UTF_8));
        return new KuraMessage(payload, properties);
    }

    @Test
    void jsonBodiesAreMarkedSoIotHubRoutingCanQueryThem() {
        TelemetryMessage telemetry = TelemetryMapper.toTelemetry(message(Map.of()), PublishOptions.DEFAULTS, "id-1",
                NOW);

        assertThat(telemetry.contentType()).hasValue("application/json");
        assertThat(telemetry.contentEncoding()).hasValue("utf-8");
        assertThat(telemetry.messageId()).hasValue("id-1");
        assertThat(JsonParser.parseString(new String(telemetry.body(), StandardCharsets.UTF_8)).getAsJsonObject()
                .getAsJsonObject("metrics").getAsJsonObject("temperature").get("value").getAsDouble())
                .isEqualTo(21.5d);
    }

    @Test
    void configuredPropertiesAreAddedAndTheMessagesOwnTakePrecedence() {
        PublishOptions options = new PublishOptions(BodyEncoding.JSON, null, null,
                Map.of("site", "plant-9", "line", "3"), List.of());
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("line", 4);
        properties.put("alarm", true);
        properties.put("asset", "pump-3");

        Map<String, String> sent = TelemetryMapper.toTelemetry(message(properties), options, "id", NOW)
                .properties();

        assertThat(sent).containsOnly(Map.entry("site", "plant-9"), Map.entry("line", "4"),
                Map.entry("alarm", "true"), Map.entry("asset", "pump-3"));
    }

    @Test
    void controlReservedAndNonScalarPropertiesAreNotSentAsApplicationProperties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(MessageProperties.CORRELATION_ID, "corr-7");
        properties.put("$.mid", "spoofed");
        properties.put("iothub-connection-device-id", "spoofed");
        properties.put("list", List.of(1, 2));
        properties.put("bytes", new byte[] { 1 });
        properties.put("kept", "yes");

        TelemetryMessage telemetry = TelemetryMapper.toTelemetry(message(properties), PublishOptions.DEFAULTS,
                "id", NOW);

        assertThat(telemetry.properties()).containsOnly(Map.entry("kept", "yes"));
        assertThat(telemetry.correlationId()).hasValue("corr-7");
    }

    @Test
    void rawBodiesAreSentAsTheyAreWithTheConfiguredOrRequestedContentType() {
        PublishOptions raw = new PublishOptions(BodyEncoding.RAW, "text/plain", "utf-8", Map.of(), List.of());

        TelemetryMessage configured = TelemetryMapper.toTelemetry(message(Map.of()), raw, "id", NOW);
        TelemetryMessage requested = TelemetryMapper.toTelemetry(
                message(Map.of(MessageProperties.CONTENT_TYPE, "application/xml")), raw, "id", NOW);

        assertThat(configured.body()).asString(StandardCharsets.UTF_8).isEqualTo("raw-body");
        assertThat(configured.contentType()).hasValue("text/plain");
        assertThat(configured.contentEncoding()).hasValue("utf-8");
        assertThat(requested.contentType()).hasValue("application/xml");
    }

    @Test
    void aMessageMayAskForTheOtherBodyEncoding() {
        TelemetryMessage raw = TelemetryMapper.toTelemetry(message(Map.of(MessageProperties.BODY_ENCODING, "raw")),
                PublishOptions.DEFAULTS, "id", NOW);
        TelemetryMessage withoutBody = TelemetryMapper.toTelemetry(new KuraMessage(new KuraPayload(),
                Map.of(MessageProperties.BODY_ENCODING, "RAW")), PublishOptions.DEFAULTS, "id", NOW);

        assertThat(raw.body()).asString(StandardCharsets.UTF_8).isEqualTo("raw-body");
        assertThat(raw.contentType()).isEmpty();
        assertThat(withoutBody.bodyLength()).isZero();
    }

    @Test
    void applicationPropertiesTextIsParsedAndBadEntriesReported() {
        List<String> problems = new ArrayList<>();

        Map<String, String> parsed = PublishOptions.parseApplicationProperties(
                " site = plant-9 ; line=3;;noequals; =x; $.ct=json\nzone=a=b ", problems);

        assertThat(parsed).containsExactly(Map.entry("site", "plant-9"), Map.entry("line", "3"),
                Map.entry("zone", "a=b"));
        assertThat(problems).hasSize(3).anySatisfy(p -> assertThat(p).contains("noequals"))
                .anySatisfy(p -> assertThat(p).contains("$.ct"));
    }
}
