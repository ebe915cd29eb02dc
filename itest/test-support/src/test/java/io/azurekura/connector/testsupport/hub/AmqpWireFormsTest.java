package io.azurekura.connector.testsupport.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.azurekura.connector.testsupport.hostile.HostileInputReport;
import io.azurekura.connector.testsupport.hub.HubCounters.Counter;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * The emulator against the AMQP wire forms IoT Hub accepts from official clients other than the Java SDK
 * (docs/iot-hub-amqp.md), spoken by a bare Proton-J engine: SASL ANONYMOUS and no SASL, device and module CBS
 * names raw and URL-encoded, twin and method links; and what it refuses, each refusal a 401 (or a refused link)
 * counted as an auth failure with its reason and logged, never a silent drop.
 */
@ExtendWith(HostileInputReport.class)
class AmqpWireFormsTest {

    private final String deviceKey = SasSigner.newKey();
    private final String moduleKey = SasSigner.newKey();
    private final String oddKey = SasSigner.newKey();
    /** Every special character IoT Hub allows in an id. */
    private static final String ODD_ID = "d-:.+%_#*?!(),=@;$'9";
    private IotHubEmulator hub;
    private CapturedLogs logs;

    @BeforeEach
    void start() {
        this.logs = new CapturedLogs();
        this.hub = LoopbackPorts.startHub(IotHubEmulator.builder());
        this.hub.addDevice("dev1", this.deviceKey).addModule("dev1", "mod1", this.moduleKey).addDevice(ODD_ID,
                this.oddKey);
    }

    @AfterEach
    void stop() {
        this.hub.close();
        this.logs.close();
    }

    private RawAmqpClient client(String sasl) throws Exception {
        RawAmqpClient client = new RawAmqpClient(this.hub.amqpPort(), sasl);
        assertThat(client.connectionOpen()).as("connection opened").isTrue();
        return client;
    }

    private static String token(String host, String device, String module, String key, SasSigner.ResourceForm form) {
        return SasSigner.signFor(host, device, module, key, Instant.now().plusSeconds(60).getEpochSecond(), form);
    }

    @Test
    void saslAnonymousThenCbsAuthorizesTheDeviceAndItsTelemetryLink() throws Exception {
        try (RawAmqpClient client = client("ANONYMOUS")) {
            assertThat(client.putToken("localhost/devices/dev1", token("localhost", "dev1", null, this.deviceKey,
                    SasSigner.ResourceForm.PLAIN))).isEqualTo(200);
            Sender telemetry = client.sender("/devices/dev1/messages/events");
            assertThat(client.attached(telemetry)).isTrue();
            client.send(telemetry, RawAmqpClient.message("{\"t\":1}"));
            assertThat(this.hub.awaitMessages(1, Duration.ofSeconds(10))).singleElement()
                    .extracting(TelemetryMessage::clientId).isEqualTo("dev1");
        }
        assertThat(this.hub.counters().get(Counter.AMQP_CONNECTIONS_WITHOUT_SASL)).isZero();
        assertThat(this.logs.linesContaining("SASL_ANONYMOUS")).hasSize(1);
    }

    @Test
    void noSaslLayerThenCbsIsAcceptedCountedAndLogged() throws Exception {
        try (RawAmqpClient client = client(null)) {
            assertThat(client.putToken("localhost/devices/dev1", token("localhost", "dev1", null, this.deviceKey,
                    SasSigner.ResourceForm.PLAIN))).isEqualTo(200);
            assertThat(client.attached(client.sender("/devices/dev1/messages/events"))).isTrue();
        }
        assertThat(this.hub.counters().amqpConnections()).isEqualTo(1);
        assertThat(this.hub.counters().get(Counter.AMQP_CONNECTIONS_WITHOUT_SASL)).isEqualTo(1);
        assertThat(this.logs.linesContaining("NO_SASL")).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(SasSigner.ResourceForm.class)
    void everyAudienceSpellingOfADeviceAndOfAModuleIsAccepted(SasSigner.ResourceForm form) throws Exception {
        try (RawAmqpClient client = client(null)) {
            assertThat(client.putToken(SasSigner.writeResource("localhost/devices/dev1", form), token("localhost",
                    "dev1", null, this.deviceKey, form))).isEqualTo(200);
            assertThat(client.putToken(SasSigner.writeResource("localhost/devices/dev1/modules/mod1", form),
                    token("localhost", "dev1", "mod1", this.moduleKey, form))).isEqualTo(200);
            assertThat(client.putToken(SasSigner.writeResource("LocalHost/devices/" + ODD_ID, form), token(
                    "localhost", ODD_ID, null, this.oddKey, form))).isEqualTo(200);
            assertThat(client.attached(client.sender("/devices/dev1/modules/mod1/messages/events"))).isTrue();
            assertThat(client.attached(client.sender(IotHubAmqp.address(SasSigner.urlEncode(ODD_ID), null,
                    IotHubAmqp.LinkKind.TELEMETRY)))).isTrue();
        }
        assertThat(this.hub.counters().connects()).isEqualTo(3);
        assertThat(this.hub.counters().authFailures()).isZero();
    }

    @Test
    void theJavaSdksFormADevicesNameWithAModuleTokenAuthorizesTheModuleOnly() throws Exception {
        try (RawAmqpClient client = client("ANONYMOUS")) {
            assertThat(client.putToken("localhost/devices/dev1", token("localhost", "dev1", "mod1", this.moduleKey,
                    SasSigner.ResourceForm.PLAIN))).isEqualTo(200);
            assertThat(client.attached(client.sender("/devices/dev1/modules/mod1/messages/events"))).isTrue();
            assertThat(client.attached(client.sender("/devices/dev1/messages/events"))).isFalse();
        }
        assertThat(this.hub.counters().refusals(ConnectRefusal.UNAUTHORIZED_LINK)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = { "localhost/devices/dev2", "localhost/devices/dev1/modules/mod1",
            "localhost/devices/dev1/modules/other", "otherhub/devices/dev1", "localhost%2Fdevices%2Fdev2", "dev1",
            "localhost/devices/", "localhost/modules/dev1", "localhost/devices/dev1/messages", "%zz",
            "localhost/devices/dev1\n401 forged", "" })
    void aNameThatIsNotTheTokensAudienceIs401CountedAndLogged(String name) throws Exception {
        try (RawAmqpClient client = client("ANONYMOUS")) {
            assertThat(client.putToken(name, token("localhost", "dev1", null, this.deviceKey,
                    SasSigner.ResourceForm.PLAIN))).isEqualTo(401);
            // Nothing was authorized: the device's links are refused.
            assertThat(client.attached(client.sender("/devices/dev1/messages/events"))).isFalse();
        }
        assertThat(this.hub.counters().authFailures()).isEqualTo(2);
        assertThat(this.hub.counters().refusals(ConnectRefusal.WRONG_AUDIENCE)
                + this.hub.counters().refusals(ConnectRefusal.BAD_CBS_NAME)).isEqualTo(1);
        assertThat(this.logs.linesContaining("(401)")).hasSize(1);
        assertThat(this.logs.linesContaining("(401)")).noneMatch(line -> line.contains("forged"));
    }

    @Test
    void aTokenForAnotherDeviceThanTheNameIs401WithTheAudienceReason() throws Exception {
        this.hub.addDevice("dev2", this.oddKey);
        try (RawAmqpClient client = client(null)) {
            assertThat(client.putToken("localhost/devices/dev1", token("localhost", "dev2", null, this.oddKey,
                    SasSigner.ResourceForm.PLAIN))).isEqualTo(401);
        }
        assertThat(this.hub.counters().refusals(ConnectRefusal.WRONG_AUDIENCE)).isEqualTo(1);
        assertThat(this.logs.linesContaining("WRONG_AUDIENCE")).hasSize(1);
        assertThat(this.logs.leakedSecrets(this.oddKey, this.deviceKey)).isEmpty();
    }

    @Test
    void anotherSaslMechanismIsRefusedCountedAndLogged() throws Exception {
        try (RawAmqpClient client = new RawAmqpClient(this.hub.amqpPort(), "PLAIN")) {
            assertThat(client.saslOutcome()).isEqualTo(Sasl.SaslOutcome.PN_SASL_AUTH);
        }
        assertThat(this.hub.counters().refusals(ConnectRefusal.UNSUPPORTED_SASL_MECHANISM)).isEqualTo(1);
        assertThat(this.hub.counters().authFailures()).isEqualTo(1);
        assertThat(this.logs.linesContaining("mechanism PLAIN is not supported")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "/devices/dev1/modules/mod1" })
    void twinLinksAnswerAGet(String root) throws Exception {
        boolean module = !root.isEmpty();
        String base = module ? root : "/devices/dev1";
        try (RawAmqpClient client = client(null)) {
            assertThat(client.putToken("localhost" + base,
                    token("localhost", "dev1", module ? "mod1" : null, module ? this.moduleKey : this.deviceKey,
                            SasSigner.ResourceForm.PLAIN))).isEqualTo(200);
            Sender requests = client.sender(base + "/twin");
            Receiver responses = client.receiver(base + "/twin");
            assertThat(client.attached(requests)).isTrue();
            assertThat(client.attached(responses)).isTrue();
            Message get = RawAmqpClient.message("");
            Properties properties = new Properties();
            String correlation = UUID.randomUUID().toString();
            properties.setCorrelationId(correlation);
            get.setProperties(properties);
            get.setMessageAnnotations(new MessageAnnotations(Map.of(Symbol.valueOf("operation"), "GET")));
            client.send(requests, get);
            Message answer = client.receive(responses);
            assertThat(answer).isNotNull();
            assertThat(answer.getProperties().getCorrelationId()).isEqualTo(correlation);
            assertThat(answer.getMessageAnnotations().getValue().get(Symbol.valueOf("status"))).isEqualTo(200);
            assertThat(new String(((Data) answer.getBody()).getValue().getArray(), StandardCharsets.UTF_8))
                    .contains("\"desired\"").contains("\"reported\"");
        }
        assertThat(this.hub.counters().get(Counter.AMQP_TWIN_REQUESTS)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void aMethodRequestGoesOutOnTheMethodsLinkAndItsResponseComesBack(boolean module) throws Exception {
        String base = module ? "/devices/dev1/modules/mod1" : "/devices/dev1";
        String clientId = module ? "dev1/mod1" : "dev1";
        try (RawAmqpClient client = client("ANONYMOUS")) {
            assertThat(client.putToken("localhost" + base, token("localhost", "dev1", module ? "mod1" : null,
                    module ? this.moduleKey : this.deviceKey, SasSigner.ResourceForm.PLAIN))).isEqualTo(200);
            Receiver requests = client.receiver(base + "/methods/devicebound");
            Sender responses = client.sender(base + "/methods/devicebound");
            assertThat(client.attached(requests)).isTrue();
            assertThat(client.attached(responses)).isTrue();

            CompletableFuture<MethodResponse> result = this.hub.invokeMethod(clientId, "reboot", "{\"in\":1}",
                    Duration.ofSeconds(10));
            Message request = client.receive(requests);
            assertThat(request).isNotNull();
            assertThat(request.getApplicationProperties().getValue()).containsEntry("IoThub-methodname", "reboot");
            Object correlation = request.getProperties().getCorrelationId();
            assertThat(correlation).isInstanceOf(UUID.class);

            Message response = RawAmqpClient.message("{\"done\":true}");
            Properties properties = new Properties();
            properties.setCorrelationId(correlation);
            response.setProperties(properties);
            response.setApplicationProperties(new ApplicationProperties(Map.of("IoThub-status", 200)));
            client.send(responses, response);
            client.pumpUntil(result::isDone);
            assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(new MethodResponse(200, "{\"done\":true}"));
            assertThat(new String(((Data) request.getBody()).getValue().getArray(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"in\":1}");
        }
        assertThat(this.hub.counters().get(Counter.AMQP_METHOD_RESPONSES, clientId)).isEqualTo(1);
    }

    @Test
    void linksToNodesTheHubDoesNotHaveAreRefusedWithoutEchoingControlCharacters() throws Exception {
        try (RawAmqpClient client = client(null)) {
            assertThat(client.putToken("localhost/devices/dev1", token("localhost", "dev1", null, this.deviceKey,
                    SasSigner.ResourceForm.PLAIN))).isEqualTo(200);
            assertThat(client.attached(client.sender("/devices/dev1/unknown\r\nforged"))).isFalse();
            assertThat(client.attached(client.receiver("/devices/dev1/messages/events"))).isFalse();
        }
        // Our line has the control characters replaced (proton-j's own frame trace at FINE is not ours to change).
        assertThat(this.logs.linesContaining("Refusing AMQP link: no such node for a sender")).singleElement()
                .asString()
                .contains("unknown??forged");
    }
}
