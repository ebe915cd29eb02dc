package io.azurekura.connector.testsupport.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.testsupport.hub.ConnectionEvent.Kind;
import io.azurekura.connector.testsupport.sas.SasSigner;

/** The emulator's protocol behaviour, driven packet by packet with Paho on a free port. */
class IotHubEmulatorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final String key = SasSigner.newKey();
    private final String moduleKey = SasSigner.newKey();
    private final List<HubTestClient> clients = new ArrayList<>();
    private IotHubEmulator hub;

    @BeforeEach
    void startHub() {
        this.hub = IotHubEmulator.builder().port(0).start();
        this.hub.addDevice("dev1", this.key).addModule("dev1", "mod1", this.moduleKey);
    }

    @AfterEach
    void closeAll() {
        this.clients.forEach(HubTestClient::close);
        if (this.hub != null) {
            this.hub.close();
        }
    }

    private HubTestClient client(String clientId) throws MqttException {
        HubTestClient client = new HubTestClient(this.hub.port(), clientId);
        this.clients.add(client);
        return client;
    }

    private static long inOneHour() {
        return Instant.now().getEpochSecond() + 3600;
    }

    @Test
    void acceptsAValidConnectAndRecordsAcknowledgedTelemetry() throws Exception {
        HubTestClient device = client("dev1").connect(this.key, inOneHour(), false);

        // the synchronous publish returns only once the PUBACK has arrived
        device.publish("devices/dev1/messages/events/$.mid=m1&$.ct=application%2Fjson&$.ce=utf-8&color=dark%20blue",
                "{\"t\":21}");

        List<TelemetryMessage> messages = this.hub.awaitMessages(1, WAIT);
        TelemetryMessage message = messages.get(0);
        assertThat(message.deviceId()).isEqualTo("dev1");
        assertThat(message.moduleId()).isNull();
        assertThat(message.bodyAsString()).isEqualTo("{\"t\":21}");
        assertThat(message.messageId()).isEqualTo("m1");
        assertThat(message.contentType()).isEqualTo("application/json");
        assertThat(message.contentEncoding()).isEqualTo("utf-8");
        assertThat(message.applicationProperties()).containsExactly(Map.entry("color", "dark blue"));
        assertThat(message.qos()).isEqualTo(1);
        assertThat(this.hub.isConnected("dev1")).isTrue();
        assertThat(this.hub.connectedClientIds()).containsExactly("dev1");
        assertThat(this.hub.counters().connects("dev1")).isEqualTo(1);
        assertThat(this.hub.counters().messagesReceived("dev1")).isEqualTo(1);
        assertThat(this.hub.connectionEvents()).singleElement()
                .satisfies(e -> assertThat(e.kind()).isEqualTo(Kind.CONNECTED));
    }

    @Test
    void moduleTelemetryUsesTheModuleTopicAndIdentity() throws Exception {
        HubTestClient module = client("dev1/mod1").connect(this.moduleKey, inOneHour(), false);

        module.publish("devices/dev1/modules/mod1/messages/events/$.mid=m2&k=v/", "x");

        TelemetryMessage message = this.hub.awaitMessages(1, WAIT).get(0);
        assertThat(message.clientId()).isEqualTo("dev1/mod1");
        assertThat(message.moduleId()).isEqualTo("mod1");
        assertThat(message.applicationProperties()).containsExactly(Map.entry("k", "v"));
        assertThat(this.hub.isConnected("dev1/mod1")).isTrue();
        assertThat(this.hub.isConnected("dev1")).isFalse();
    }

    @Test
    void refusesBadCredentialsWithConnack5AndCountsEachReason() throws Exception {
        String otherKey = SasSigner.newKey();
        HubTestClient device = client("dev1");

        assertThatThrownBy(() -> device.connect(otherKey, inOneHour(), false)).isInstanceOfSatisfying(
                MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(5));
        assertThatThrownBy(() -> device.connect(this.key, Instant.now().getEpochSecond() - 1, false))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(5));
        assertThatThrownBy(() -> client("nobody").connect(this.key, inOneHour(), false))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(5));
        assertThatThrownBy(() -> device.connect("localhost/dev1/?nothing=here",
                HubTestClient.token("localhost", "dev1", this.key, inOneHour()), false))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(5));

        HubCounters counters = this.hub.counters();
        assertThat(counters.authFailures()).isEqualTo(4);
        assertThat(counters.authFailures("dev1")).isEqualTo(3);
        assertThat(counters.refusals(ConnectRefusal.BAD_SIGNATURE)).isEqualTo(1);
        assertThat(counters.refusals(ConnectRefusal.EXPIRED_TOKEN)).isEqualTo(1);
        assertThat(counters.refusals(ConnectRefusal.UNKNOWN_IDENTITY)).isEqualTo(1);
        assertThat(counters.refusals(ConnectRefusal.BAD_USERNAME)).isEqualTo(1);
        assertThat(counters.connectAttempts()).isEqualTo(4);
        assertThat(counters.connects()).isZero();
        assertThat(this.hub.connectionEvents()).extracting(ConnectionEvent::kind).containsOnly(Kind.REFUSED);
        assertThat(this.hub.connectedClientIds()).isEmpty();
    }

    @Test
    void refusesOtherProtocolVersionsAndThrottlesWithConnack3() throws Exception {
        HubTestClient device = client("dev1");
        MqttConnectOptions mqtt31 = HubTestClient.options(false);
        mqtt31.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1);
        mqtt31.setUserName(HubTestClient.username("localhost", "dev1"));
        mqtt31.setPassword(HubTestClient.token("localhost", "dev1", this.key, inOneHour()).toCharArray());
        assertThatThrownBy(() -> device.client.connect(mqtt31)).isInstanceOfSatisfying(MqttException.class,
                e -> assertThat(e.getReasonCode()).isEqualTo(1));

        this.hub.throttle(true);
        assertThatThrownBy(() -> device.connect(this.key, inOneHour(), false)).isInstanceOfSatisfying(
                MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(3));
        this.hub.throttle(false);
        device.connect(this.key, inOneHour(), false);

        assertThat(this.hub.counters().refusals(ConnectRefusal.THROTTLED)).isEqualTo(1);
        assertThat(this.hub.counters().get(HubCounters.Counter.THROTTLED)).isEqualTo(1);
        assertThat(this.hub.counters().authFailures()).isZero();
        assertThat(this.hub.isConnected("dev1")).isTrue();
    }

    @Test
    void closesTheConnectionOnAPublishToAnotherTopic() throws Exception {
        HubTestClient device = client("dev1").connect(this.key, inOneHour(), false);

        assertThatThrownBy(() -> device.publish("devices/dev2/messages/events/", "not mine"))
                .isInstanceOf(MqttException.class);

        device.lost.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(this.hub.counters().get(HubCounters.Counter.PROTOCOL_VIOLATIONS)).isEqualTo(1);
        assertThat(this.hub.messages()).isEmpty();
        assertThat(this.hub.connectionEvents("dev1")).last()
                .satisfies(e -> assertThat(e.disconnectReason()).isEqualTo(DisconnectReason.PROTOCOL_VIOLATION));
    }

    @Test
    void dropsTheConnectionWhenTheTokenExpiresPlusGrace() throws Exception {
        Duration grace = Duration.ofMillis(700);
        this.hub.setExpiryGrace(grace);
        long se = Instant.now().getEpochSecond() + 2;
        HubTestClient device = client("dev1").connect(this.key, se, false);

        device.lost.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(this.hub.counters().expiryDrops()).isEqualTo(1);
        assertThat(this.hub.counters().expiryDrops("dev1")).isEqualTo(1);
        ConnectionEvent drop = this.hub.connectionEvents("dev1").get(1);
        assertThat(drop.disconnectReason()).isEqualTo(DisconnectReason.TOKEN_EXPIRED);
        assertThat(drop.time()).isAfterOrEqualTo(Instant.ofEpochSecond(se).plus(grace));
        assertThat(this.hub.connectionEvents("dev1").get(0).tokenExpiry()).isEqualTo(Instant.ofEpochSecond(se));
        assertThat(this.hub.isConnected("dev1")).isFalse();
    }

    @Test
    void aNewConnectWithTheSameClientIdKicksTheOldOne() throws Exception {
        HubTestClient first = client("dev1").connect(this.key, inOneHour(), false);
        HubTestClient second = client("dev1").connect(this.key, inOneHour(), false);

        first.lost.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(second.client.isConnected()).isTrue();
        assertThat(this.hub.counters().kicks("dev1")).isEqualTo(1);
        assertThat(this.hub.isConnected("dev1")).isTrue();
        assertThat(this.hub.connectionEvents("dev1"))
                .extracting(ConnectionEvent::kind, ConnectionEvent::disconnectReason)
                .containsExactly(tuple(Kind.CONNECTED, null), tuple(Kind.DISCONNECTED, DisconnectReason.KICKED),
                        tuple(Kind.CONNECTED, null));
        assertThat(this.hub.reconnectGaps("dev1")).singleElement().isEqualTo(Duration.ZERO);
    }

    @Test
    void aPersistentSessionKeepsSubscriptionsAndACleanSessionDropsThem() throws Exception {
        HubTestClient device = client("dev1").connect(this.key, inOneHour(), false);
        device.client.subscribe(IotHubMqttTopics.METHODS_FILTER, 1);
        device.client.disconnect();
        await().atMost(WAIT).until(() -> !this.hub.isConnected("dev1"));

        // reconnect without subscribing, as the SDK does
        device.connect(this.key, inOneHour(), false);
        CompletableFuture<MethodResponse> call = this.hub.invokeMethod("dev1", "reboot", "{\"delay\":1}", WAIT);
        await().atMost(WAIT).until(() -> !device.received.isEmpty());
        HubTestClient.Received request = device.received.get(0);
        assertThat(request.topic()).startsWith("$iothub/methods/POST/reboot/?$rid=");
        assertThat(request.payload()).isEqualTo("{\"delay\":1}");
        String rid = IotHubMqttTopics.queryParameter(request.topic(), "$rid");
        device.publish("$iothub/methods/res/200/?$rid=" + rid, "{\"ok\":true}");
        assertThat(call.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new MethodResponse(200, "{\"ok\":true}"));
        assertThat(this.hub.subscribeRequests("dev1")).containsExactly(IotHubMqttTopics.METHODS_FILTER);

        device.client.disconnect();
        await().atMost(WAIT).until(() -> !this.hub.isConnected("dev1"));
        device.connect(this.key, inOneHour(), true);
        assertThat(this.hub.subscriptions("dev1")).isEmpty();
        assertThatThrownBy(() -> this.hub.invokeMethod("dev1", "reboot", "{}", WAIT).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void grantsQos1ForIotHubFiltersAndFailsOthers() throws Exception {
        HubTestClient device = client("dev1").connect(this.key, inOneHour(), false);

        IMqttToken granted = device.client.subscribeWithResponse(
                new String[] { "devices/dev1/messages/devicebound/#", "$iothub/twin/res/#" }, new int[] { 2, 0 });
        assertThat(granted.getGrantedQos()).containsExactly(1, 0);
        assertThatThrownBy(() -> device.client.subscribe("devices/dev2/messages/devicebound/#", 1))
                .isInstanceOf(MqttException.class);

        assertThat(this.hub.subscriptions("dev1")).containsOnly(Map.entry("devices/dev1/messages/devicebound/#", 1),
                Map.entry("$iothub/twin/res/#", 0));
        assertThat(this.hub.counters().get(HubCounters.Counter.SUBSCRIPTIONS, "dev1")).isEqualTo(3);
    }

    @Test
    void cloudToDeviceIsQueuedWhileOfflineAndRedeliveredUntilAcknowledged() throws Exception {
        CloudToDeviceMessage c2d = this.hub.sendCloudToDevice("dev1", "hello".getBytes(StandardCharsets.UTF_8),
                Map.of("color", "dark blue", "$.ct", "text/plain"));
        await().atMost(WAIT).until(() -> this.hub.pendingCloudToDevice("dev1") == 1);

        HubTestClient first = client("dev1");
        first.client.setManualAcks(true);
        first.connect(this.key, inOneHour(), false);
        first.client.subscribe("devices/dev1/messages/devicebound/#", 1);
        await().atMost(WAIT).until(() -> first.received.size() == 1);
        String topic = first.received.get(0).topic();
        assertThat(topic).startsWith("devices/dev1/messages/devicebound/%24.mid=" + c2d.messageId() + "&%24.to=");
        assertThat(topic).contains("%24.ct=text%2Fplain", "color=dark%20blue");
        assertThat(first.received.get(0).payload()).isEqualTo("hello");
        assertThat(c2d.acknowledged()).isNotDone();

        // no PUBACK before the connection ends: the hub keeps the message and sends it again
        this.hub.dropConnection("dev1");
        first.lost.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        HubTestClient second = client("dev1").connect(this.key, inOneHour(), false);

        // the persistent session still holds the devicebound subscription
        await().atMost(WAIT).until(() -> second.received.size() == 1);
        assertThat(second.received.get(0).message().isDuplicate()).isTrue();
        assertThat(c2d.acknowledged().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(c2d.deliveries()).isEqualTo(2);
        assertThat(this.hub.counters().get(HubCounters.Counter.C2D_ACKNOWLEDGED)).isEqualTo(1);
        assertThat(this.hub.pendingCloudToDevice("dev1")).isZero();
    }

    @Test
    void answersTwinRequestsAndPushesDesiredPatches() throws Exception {
        HubTestClient device = client("dev1").connect(this.key, inOneHour(), false);
        device.client.subscribe(new String[] { IotHubMqttTopics.TWIN_RESPONSE_FILTER,
                IotHubMqttTopics.TWIN_DESIRED_FILTER }, new int[] { 1, 1 });

        device.publish("$iothub/twin/PATCH/properties/reported/?$rid=1", "{\"fw\":\"1.2\"}");
        device.publish("$iothub/twin/GET/?$rid=2", "");
        assertThat(this.hub.updateDesiredProperties("dev1", "{\"interval\":30}")).isTrue();

        await().atMost(WAIT).until(() -> device.received.size() == 3);
        Map<String, String> byTopic = device.received.stream()
                .collect(Collectors.toMap(HubTestClient.Received::topic, HubTestClient.Received::payload));
        assertThat(byTopic).containsKeys("$iothub/twin/res/204/?$rid=1&$version=2",
                "$iothub/twin/PATCH/properties/desired/?$version=2");
        assertThat(byTopic.get("$iothub/twin/res/200/?$rid=2")).contains("\"fw\":\"1.2\"");
        assertThat(this.hub.reportedProperties("dev1")).contains("\"fw\":\"1.2\"", "\"$version\":2");
    }

    @Test
    void stopClosesEveryConnectionAndStartListensAgainOnTheSamePort() throws Exception {
        int port = this.hub.port();
        HubTestClient device = client("dev1").connect(this.key, inOneHour(), false);

        this.hub.stop();

        device.lost.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(this.hub.isRunning()).isFalse();
        assertThat(this.hub.connectionEvents("dev1")).last()
                .satisfies(e -> assertThat(e.disconnectReason()).isEqualTo(DisconnectReason.HUB_STOPPED));
        assertThatThrownBy(() -> client("dev1").connect(this.key, inOneHour(), false))
                .isInstanceOf(MqttException.class);

        this.hub.start();

        assertThat(this.hub.port()).isEqualTo(port);
        client("dev1").connect(this.key, inOneHour(), false);
        assertThat(this.hub.isConnected("dev1")).isTrue();
        assertThat(this.hub.reconnectGaps("dev1")).hasSize(1);
    }

    @Test
    void closeReleasesThePortAndStopsItsVertxThreads() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        IotHubEmulator other = IotHubEmulator.builder().port(0).start();
        int port = other.port();
        other.addDevice("dev1", this.key);
        new HubTestClient(port, "dev1").connect(this.key, inOneHour(), false).close();

        other.close();

        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(name -> name.startsWith("vert.x") || name.startsWith("vertx")))
                .isEmpty());
        assertThatThrownBy(other::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void resetClearsCountersMessagesAndTheLog() throws Exception {
        client("dev1").connect(this.key, inOneHour(), false).publish("devices/dev1/messages/events/", "x");
        this.hub.awaitMessages(1, WAIT);

        this.hub.reset();

        assertThat(this.hub.counters().connects()).isZero();
        assertThat(this.hub.counters().messagesReceived()).isZero();
        assertThat(this.hub.messages()).isEmpty();
        assertThat(this.hub.connectionEvents()).isEmpty();
        assertThatThrownBy(() -> this.hub.awaitMessages(1, Duration.ofMillis(50))).isInstanceOf(AssertionError.class);
    }
}
