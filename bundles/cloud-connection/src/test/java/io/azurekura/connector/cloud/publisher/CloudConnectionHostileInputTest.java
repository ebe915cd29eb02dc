package io.azurekura.connector.cloud.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.cloud.endpoint.HubCloudEndpoint;
import io.azurekura.connector.cloud.message.CloudToDeviceMapper;
import io.azurekura.connector.testsupport.hostile.HostileInputReport;
import io.azurekura.connector.testsupport.logging.CapturedLogs;

/**
 * Issue 11: what an application (or Wires) can hand the cloud publisher, and what a cloud-to-device sender can hand a
 * subscriber. Each invocation is one hostile input; it passes when the outcome is correct JSON or a KuraException
 * with a code saying whose problem it is, within a time bound, never a bare runtime exception, and no secret in any
 * log line.
 */
@ExtendWith(HostileInputReport.class)
class CloudConnectionHostileInputTest {

    private static final String PLANTED = "sig=PLANTEDSECRETxyz";
    private static final Duration BOUND = Duration.ofSeconds(3);

    private final List<TelemetryMessage> sent = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> reported = new HashMap<>();
    private volatile Supplier<Object> onSend = () -> null;
    private AzureIotHubPublisher publisher;
    private HubCloudEndpoint endpoint;
    private CapturedLogs logs;

    @BeforeEach
    void setUp() {
        this.logs = new CapturedLogs();
        this.publisher = new AzureIotHubPublisher();
        this.publisher.modified(Map.of("kura.service.pid", "hostile-publisher"));
        this.endpoint = (HubCloudEndpoint) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { HubCloudEndpoint.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                    case "send":
                        Object fault = this.onSend.get();
                        if (fault instanceof Exception) {
                            throw (Exception) fault;
                        }
                        TelemetryMessage message = (TelemetryMessage) args[0];
                        this.sent.add(message);
                        return CompletableFuture.completedFuture(new MessageReceipt(message.messageId().get(),
                                Instant.now(), Instant.now(), 1));
                    case "reportConfiguration":
                        synchronized (this.reported) {
                            this.reported.put((String) args[0], List.copyOf((List<String>) args[1]));
                        }
                        return null;
                    case "toString":
                        return "fake endpoint";
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @AfterEach
    void noSecretsLogged() {
        assertThat(this.logs.leakedSecrets("PLANTEDSECRET")).isEmpty();
        this.logs.close();
    }

    // -------------------------------------------------------------------------------------------------------------
    // Payloads that must become correct JSON

    private static KuraMessage message(Consumer<KuraPayload> fill) {
        KuraPayload payload = new KuraPayload();
        fill.accept(payload);
        return new KuraMessage(payload);
    }

    static Stream<Arguments> encodable() {
        String controls = "line1\nINFO forged\u0000\u001b[2J\"quote\\back";
        return Stream.of(
                Arguments.of("no payload at all", new KuraMessage(null),
                        (Consumer<JsonObject>) json -> assertThat(json.getAsJsonObject("metrics").size()).isZero()),
                Arguments.of("empty payload", message(p -> {
                }), (Consumer<JsonObject>) json -> assertThat(json.has("timestamp")).isTrue()),
                Arguments.of("a null metric value", message(p -> p.addMetric("gone", null)),
                        (Consumer<JsonObject>) json -> assertThat(json.getAsJsonObject("metrics").has("gone"))
                                .isFalse()),
                Arguments.of("a null metric name", message(p -> {
                    p.addMetric(null, 1.0);
                    p.addMetric("kept", 2.0);
                }), (Consumer<JsonObject>) json -> assertThat(json.getAsJsonObject("metrics").keySet())
                        .containsExactly("kept")),
                Arguments.of("NaN", message(p -> p.addMetric("x", Double.NaN)),
                        (Consumer<JsonObject>) json -> assertThat(metric(json, "x").get("value").getAsString())
                                .isEqualTo("NaN")),
                Arguments.of("+Infinity float", message(p -> p.addMetric("x", Float.POSITIVE_INFINITY)),
                        (Consumer<JsonObject>) json -> assertThat(metric(json, "x").get("type").getAsString())
                                .isEqualTo("float")),
                Arguments.of("-Infinity double", message(p -> p.addMetric("x", Double.NEGATIVE_INFINITY)),
                        (Consumer<JsonObject>) json -> assertThat(metric(json, "x").get("value").getAsString())
                                .isEqualTo("-Infinity")),
                Arguments.of("extreme numbers", message(p -> {
                    p.addMetric("min", Long.MIN_VALUE);
                    p.addMetric("max", Double.MAX_VALUE);
                    p.addMetric("tiny", Double.MIN_VALUE);
                }), (Consumer<JsonObject>) json -> {
                    assertThat(metric(json, "min").get("value").getAsLong()).isEqualTo(Long.MIN_VALUE);
                    assertThat(metric(json, "max").get("value").getAsDouble()).isEqualTo(Double.MAX_VALUE);
                    assertThat(metric(json, "tiny").get("value").getAsDouble()).isEqualTo(Double.MIN_VALUE);
                }),
                Arguments.of("an empty byte[]", message(p -> p.addMetric("b", new byte[0])),
                        (Consumer<JsonObject>) json -> assertThat(metric(json, "b").get("value").getAsString())
                                .isEmpty()),
                Arguments.of("control characters, quotes and backslashes in a metric name", message(p -> p
                        .addMetric(controls, 1)), (Consumer<JsonObject>) json -> assertThat(json
                                .getAsJsonObject("metrics").keySet()).containsExactly(controls)),
                Arguments.of("a forged log line and a signature in a string metric", message(p -> p.addMetric("s",
                        controls + PLANTED)), (Consumer<JsonObject>) json -> assertThat(metric(json, "s")
                                .get("value").getAsString()).isEqualTo(controls + PLANTED)),
                Arguments.of("a lone surrogate in a string metric", message(p -> p.addMetric("s", "a\ud800b")),
                        (Consumer<JsonObject>) json -> assertThat(metric(json, "s").get("type").getAsString())
                                .isEqualTo("string")),
                Arguments.of("a position of NaN and Infinity", message(p -> {
                    KuraPosition position = new KuraPosition();
                    position.setLatitude(Double.NaN);
                    position.setLongitude(Double.POSITIVE_INFINITY);
                    position.setAltitude(12.5);
                    p.setPosition(position);
                }), (Consumer<JsonObject>) json -> assertThat(json.getAsJsonObject("position").keySet())
                        .containsExactly("altitude")),
                Arguments.of("Date, Character, Short, Byte and BigDecimal metrics", message(p -> {
                    p.addMetric("d", new Date(0));
                    p.addMetric("c", 'z');
                    p.addMetric("s", (short) 7);
                    p.addMetric("y", (byte) -1);
                    p.addMetric("big", new BigDecimal("1e400"));
                }), (Consumer<JsonObject>) json -> {
                    assertThat(metric(json, "d").get("value").getAsString()).isEqualTo("1970-01-01T00:00:00Z");
                    assertThat(metric(json, "s").get("type").getAsString()).isEqualTo("integer");
                    assertThat(metric(json, "big").get("value").getAsString()).isEqualTo("1E+400");
                }),
                Arguments.of("a 200 KiB string metric", message(p -> p.addMetric("s", "x".repeat(200 * 1024))),
                        (Consumer<JsonObject>) json -> assertThat(metric(json, "s").get("value").getAsString())
                                .hasSize(200 * 1024)),
                Arguments.of("10,000 metrics", message(p -> {
                    for (int i = 0; i < 10_000; i++) {
                        p.addMetric("m" + i, i);
                    }
                }), (Consumer<JsonObject>) json -> assertThat(json.getAsJsonObject("metrics").size())
                        .isEqualTo(10_000)),
                Arguments.of("a garbled azure.body.encoding", new KuraMessage(new KuraPayload(),
                        Map.of("azure.body.encoding", "XML\n" + PLANTED)), (Consumer<JsonObject>) json -> assertThat(
                                json.has("metrics")).isTrue()));
    }

    @ParameterizedTest(name = "encodes: {0}")
    @MethodSource("encodable")
    void anOddPayloadBecomesCorrectJson(String what, KuraMessage message, Consumer<JsonObject> check)
            throws KuraException {
        long start = System.nanoTime();
        String id = this.publisher.publishTo(this.endpoint, message);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
        assertThat(this.sent).singleElement().satisfies(m -> {
            assertThat(m.messageId()).contains(id);
            assertThat(m.contentType()).contains("application/json");
            JsonObject json = JsonParser.parseString(new String(m.body(), StandardCharsets.UTF_8)).getAsJsonObject();
            check.accept(json);
        });
    }

    private static JsonObject metric(JsonObject json, String name) {
        return json.getAsJsonObject("metrics").getAsJsonObject(name);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Payloads that must be refused with a classified KuraException

    static Stream<Arguments> refused() {
        Map<String, Object> selfReferencing = new HashMap<>();
        selfReferencing.put("me", selfReferencing);
        return Stream.of(
                Arguments.of("a 10 MB string metric", message(p -> p.addMetric("s", "x".repeat(10_000_000))),
                        "TOO_LARGE"),
                Arguments.of("a 2 MiB byte[] metric", message(p -> p.addMetric("b", new byte[2 << 20])),
                        "TOO_LARGE"),
                Arguments.of("a 2 MiB body", message(p -> p.setBody(new byte[2 << 20])), "TOO_LARGE"),
                Arguments.of("200,000 metrics", message(p -> {
                    for (int i = 0; i < 200_000; i++) {
                        p.addMetric("metric-" + i, i);
                    }
                }), "TOO_LARGE"),
                Arguments.of("a nested map metric", message(p -> p.addMetric("n", Map.of("a", 1))),
                        "UNSUPPORTED_METRIC_TYPE"),
                Arguments.of("a list metric", message(p -> p.addMetric("l", List.of(1, 2))),
                        "UNSUPPORTED_METRIC_TYPE"),
                Arguments.of("a map that contains itself", message(p -> p.addMetric("loop", selfReferencing)),
                        "UNSUPPORTED_METRIC_TYPE"),
                Arguments.of("an Object[] metric", message(p -> p.addMetric("o", new Object[] { PLANTED })),
                        "UNSUPPORTED_METRIC_TYPE"),
                Arguments.of("an arbitrary object metric", message(p -> p.addMetric("t", new StringBuilder[0])),
                        "UNSUPPORTED_METRIC_TYPE"),
                Arguments.of("a 10,000-character message id", new KuraMessage(new KuraPayload(),
                        Map.of("azure.message.id", "i".repeat(10_000))), "INVALID_ID"),
                Arguments.of("a message id with a line break and a signature", new KuraMessage(new KuraPayload(),
                        Map.of("azure.message.id", "id\n" + PLANTED)), "INVALID_ID"),
                Arguments.of("a correlation id with NUL", new KuraMessage(new KuraPayload(),
                        Map.of("azure.correlation.id", "c\u0000d")), "INVALID_ID"),
                Arguments.of("a non-ASCII message id", new KuraMessage(new KuraPayload(),
                        Map.of("azure.message.id", "caf\u00e9")), "INVALID_ID"));
    }

    @ParameterizedTest(name = "refuses: {0}")
    @MethodSource("refused")
    void anUnsendablePayloadIsRefusedAsInvalidWithTheReason(String what, KuraMessage message, String reason) {
        long start = System.nanoTime();

        assertThatThrownBy(() -> this.publisher.publishTo(this.endpoint, message)).isInstanceOfSatisfying(
                KuraException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(KuraErrorCode.INVALID_PARAMETER);
                    assertThat(e.getMessage()).contains(reason).doesNotContain("PLANTEDSECRET")
                            .doesNotContain("\n").hasSizeLessThan(600);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
        assertThat(this.sent).isEmpty();
    }

    @Test
    void aNullMessageIsAnInvalidParameter() {
        assertThatThrownBy(() -> this.publisher.publish(null)).isInstanceOfSatisfying(KuraException.class,
                e -> assertThat(e.getCode()).isEqualTo(KuraErrorCode.INVALID_PARAMETER));
    }

    @Test
    void aPublisherWithoutAConnectionSaysTheServiceIsUnavailable() {
        assertThatThrownBy(() -> this.publisher.publish(new KuraMessage(new KuraPayload())))
                .isInstanceOfSatisfying(KuraException.class,
                        e -> assertThat(e.getCode()).isEqualTo(KuraErrorCode.SERVICE_UNAVAILABLE));
    }

    @Test
    void aConnectionThatThrowsARuntimeExceptionIsReportedAsAnInternalError() {
        this.onSend = () -> new IllegalStateException("connection bug " + PLANTED);

        assertThatThrownBy(() -> this.publisher.publishTo(this.endpoint, new KuraMessage(new KuraPayload())))
                .isInstanceOfSatisfying(KuraException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(KuraErrorCode.INTERNAL_ERROR);
                    assertThat(e.getMessage()).doesNotContain("PLANTEDSECRET");
                });
    }

    @Test
    void aConnectionRefusalKeepsItsOwnCode() {
        this.onSend = () -> new KuraException(KuraErrorCode.NOT_CONNECTED, "disconnected");

        assertThatThrownBy(() -> this.publisher.publishTo(this.endpoint, new KuraMessage(new KuraPayload())))
                .isInstanceOfSatisfying(KuraException.class,
                        e -> assertThat(e.getCode()).isEqualTo(KuraErrorCode.NOT_CONNECTED));
    }

    @Test
    void nonScalarAndReservedPropertiesAreNotSentAndTheRestIs() throws KuraException {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("nested", Map.of("a", 1));
        properties.put("iothub-ack", "full");
        properties.put("$.mid", "forged");
        properties.put("ok", 42);
        properties.put("", "blank name");

        this.publisher.publishTo(this.endpoint, new KuraMessage(new KuraPayload(), properties));

        assertThat(this.sent).singleElement().satisfies(m -> assertThat(m.properties()).containsOnlyKeys("ok"));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Configuration written past Kura's UI: visible in the connection's status

    static Stream<Arguments> badPublisherConfiguration() {
        return Stream.of(
                Arguments.of("body.encoding unknown, with a control sequence", Map.of("body.encoding",
                        "XML\u001b[2J"), "body.encoding"),
                Arguments.of("application.properties without '='", Map.of("application.properties", "a=1; nonsense"),
                        "application property"),
                Arguments.of("application.properties with a reserved name", Map.of("application.properties",
                        "iothub-ack=full"), "application property"));
    }

    @ParameterizedTest(name = "publisher configuration: {0}")
    @MethodSource("badPublisherConfiguration")
    void aPublisherConfigurationProblemIsShownInTheConnectionStatusOnOneLine(String what,
            Map<String, Object> override, String field) {
        Map<String, Object> config = new HashMap<>(Map.of("kura.service.pid", "hostile-publisher"));
        config.putAll(override);
        this.publisher.modified(config);

        this.publisher.reportTo(this.endpoint);

        synchronized (this.reported) {
            assertThat(this.reported.get("publisher hostile-publisher")).isNotEmpty().allSatisfy(p -> assertThat(p)
                    .doesNotContain("\u001b").doesNotContain("\n"))
                    .anySatisfy(p -> assertThat(p).contains(field));
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Cloud-to-device messages handed to Kura subscribers

    @Test
    void aCloudToDeviceMessageWithThousandsOfOddPropertiesAndAHugeBodyBecomesAKuraMessage() {
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < 5000; i++) {
            properties.put("p" + i + "\u0000\n", "v" + i + "\r\n" + PLANTED);
        }
        CloudToDeviceMessage c2d = new CloudToDeviceMessage(HubIdentity.device("hub.example.net", "dev",
                IdentitySource.STATIC), new byte[1 << 20], "id\n", null, null, null, properties, Instant.now());

        long start = System.nanoTime();
        KuraMessage kura = CloudToDeviceMapper.toKuraMessage(c2d);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
        assertThat(kura.getPayload().getBody()).hasSize(1 << 20);
        assertThat(kura.getProperties()).hasSizeGreaterThanOrEqualTo(5000);
    }

    @Test
    void manyPublishesOfOddPayloadsLeaveNothingBehind() throws KuraException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            int n = i;
            ids.add(this.publisher.publishTo(this.endpoint, message(p -> p.addMetric("v" + n, n % 2 == 0
                    ? Double.NaN : "s" + n))));
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(2000);
        assertThat(this.sent).hasSize(2000);
    }
}
