package io.azurekura.connector.testsupport.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.InternalClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubConnectionStatusChangeReason;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.SasTokenProvider;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.transport.IotHubConnectionStatus;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * The emulator against the real Azure device SDK 2.5.0 over MQTT on 127.0.0.1:8883 (the SDK's fixed port, so these
 * tests run one at a time and always close the emulator). TLS is verified against the test CA.
 */
class IotHubEmulatorSdkTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Status CONNECTED = new Status(IotHubConnectionStatus.CONNECTED,
            IotHubConnectionStatusChangeReason.CONNECTION_OK);

    private final String key = SasSigner.newKey();
    private final String moduleKey = SasSigner.newKey();
    private final List<InternalClient> clients = new ArrayList<>();
    private final List<HubTestClient> pahoClients = new ArrayList<>();
    private final List<Status> statuses = new CopyOnWriteArrayList<>();
    private IotHubEmulator hub;

    record Status(IotHubConnectionStatus status, IotHubConnectionStatusChangeReason reason) {
    }

    @BeforeEach
    void startHub() {
        // MQTT only; another test process may still hold 8883 for a moment
        this.hub = LoopbackPorts.startHub(IotHubEmulator.builder().withoutAmqp());
        this.hub.addDevice("dev1", this.key).addModule("dev1", "mod1", this.moduleKey);
    }

    @AfterEach
    void closeAll() {
        this.clients.forEach(InternalClient::close);
        this.pahoClients.forEach(HubTestClient::close);
        if (this.hub != null) {
            this.hub.close();
        }
    }

    private static ClientOptions options() {
        return ClientOptions.builder().sslContext(TestPki.shared().clientSslContext()).build();
    }

    private <C extends InternalClient> C track(C client) {
        client.setConnectionStatusChangeCallback(
                context -> this.statuses.add(new Status(context.getNewStatus(), context.getNewStatusReason())), null);
        this.clients.add(client);
        return client;
    }

    /** A provider as a token server would back it: the n-th token (from 1) lives {@code lifetime(n)} seconds. */
    private SasTokenProvider provider(AtomicInteger calls, IntToLongFunction lifetime) {
        return () -> {
            int call = calls.incrementAndGet();
            long se = Instant.now().getEpochSecond() + lifetime.applyAsLong(call);
            return SasSigner.sign("localhost/devices/dev1", this.key, se, null, SasSigner.ResourceForm.PLAIN)
                    .toCharArray();
        };
    }

    private DeviceClient providerClient(AtomicInteger calls, IntToLongFunction lifetime) {
        return track(new DeviceClient("localhost", "dev1", provider(calls, lifetime), IotHubClientProtocol.MQTT,
                options()));
    }

    private static IotHubClientException send(InternalClient client, Message message) throws Exception {
        CompletableFuture<IotHubClientException> done = new CompletableFuture<>();
        client.sendEventAsync(message, (sent, exception, context) -> done.complete(exception), null);
        return done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** True when {@code first} was reported and {@code then} after it. */
    private boolean sawInOrder(Status first, Status then) {
        int at = this.statuses.indexOf(first);
        return at >= 0 && this.statuses.subList(at + 1, this.statuses.size()).contains(then);
    }

    @Test
    void theSdksOwnSignerConnectsAndItsTelemetryIsAcknowledgedAndRecorded() throws Exception {
        DeviceClient device = track(new DeviceClient("HostName=127.0.0.1;DeviceId=dev1;SharedAccessKey=" + this.key,
                IotHubClientProtocol.MQTT, options()));
        device.open(false);

        Message message = new Message("{\"temperature\":21.5}".getBytes(StandardCharsets.UTF_8));
        message.setMessageId("msg-1");
        message.setContentType("application/json");
        message.setContentEncoding("utf-8");
        message.setProperty("unit name", "\u00b0C/K & more");

        assertThat(send(device, message)).isNull();
        TelemetryMessage received = this.hub.awaitMessages(1, WAIT).get(0);
        assertThat(received.deviceId()).isEqualTo("dev1");
        assertThat(received.bodyAsString()).isEqualTo("{\"temperature\":21.5}");
        assertThat(received.messageId()).isEqualTo("msg-1");
        assertThat(received.contentType()).isEqualTo("application/json");
        assertThat(received.contentEncoding()).isEqualTo("utf-8");
        assertThat(received.applicationProperties()).containsEntry("unit name", "\u00b0C/K & more");
        assertThat(this.hub.counters().connects("dev1")).isEqualTo(1);
        assertThat(this.hub.subscribeRequests("dev1")).contains("devices/dev1/messages/devicebound/#");

        // a module identity signs its own audience and uses the module topic
        ModuleClient module = track(new ModuleClient(
                "HostName=127.0.0.1;DeviceId=dev1;ModuleId=mod1;SharedAccessKey=" + this.moduleKey,
                IotHubClientProtocol.MQTT, options()));
        module.open(false);
        assertThat(send(module, new Message("from module"))).isNull();
        TelemetryMessage fromModule = this.hub.awaitMessages(2, WAIT).get(1);
        assertThat(fromModule.clientId()).isEqualTo("dev1/mod1");
        assertThat(fromModule.bodyAsString()).isEqualTo("from module");
    }

    @Test
    void theSdkIsRefusedWithAWrongKey() {
        DeviceClient device = track(new DeviceClient(
                "HostName=127.0.0.1;DeviceId=dev1;SharedAccessKey=" + SasSigner.newKey(), IotHubClientProtocol.MQTT,
                options()));

        assertThatThrownBy(() -> device.open(false)).isInstanceOf(IotHubClientException.class);

        assertThat(this.hub.counters().authFailures("dev1")).isEqualTo(1);
        assertThat(this.hub.counters().refusals(ConnectRefusal.BAD_SIGNATURE)).isEqualTo(1);
        assertThat(this.hub.counters().connects()).isZero();
    }

    @Test
    void theHubDropsAtExpiryAndTheSdkReconnectsWithAFreshToken() throws Exception {
        Duration grace = Duration.ofSeconds(1);
        this.hub.setExpiryGrace(grace);
        AtomicInteger calls = new AtomicInteger();
        DeviceClient device = providerClient(calls, call -> call == 1 ? 3 : 3600);
        device.open(false);
        Instant firstExpiry = this.hub.connectionEvents("dev1").get(0).tokenExpiry();

        await().atMost(WAIT).until(() -> sawInOrder(new Status(IotHubConnectionStatus.DISCONNECTED_RETRYING,
                IotHubConnectionStatusChangeReason.EXPIRED_SAS_TOKEN), CONNECTED));

        assertThat(this.hub.counters().expiryDrops("dev1")).isEqualTo(1);
        assertThat(calls.get()).isGreaterThanOrEqualTo(2);
        ConnectionEvent drop = this.hub.connectionEvents("dev1").stream()
                .filter(e -> e.kind() == ConnectionEvent.Kind.DISCONNECTED).findFirst().orElseThrow();
        assertThat(drop.disconnectReason()).isEqualTo(DisconnectReason.TOKEN_EXPIRED);
        assertThat(drop.time()).isAfterOrEqualTo(firstExpiry.plus(grace));
        await().atMost(WAIT).until(() -> this.hub.isConnected("dev1"));
        assertThat(this.hub.reconnectGaps("dev1")).hasSize(1);
        assertThat(send(device, new Message("after renewal"))).isNull();
    }

    @Test
    void aSecondClientWithTheSameIdKicksTheFirst() throws Exception {
        DeviceClient device = providerClient(new AtomicInteger(), call -> 3600);
        device.open(false);

        HubTestClient intruder = new HubTestClient(IotHubEmulator.IOT_HUB_MQTT_PORT, "dev1");
        this.pahoClients.add(intruder);
        intruder.connect(this.key, Instant.now().getEpochSecond() + 3600, false);

        // the SDK is kicked, reconnects at once and in turn kicks the intruder, which does not come back
        intruder.lost.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> this.statuses.stream()
                .anyMatch(s -> s.status() == IotHubConnectionStatus.DISCONNECTED_RETRYING)
                && this.statuses.get(this.statuses.size() - 1).equals(CONNECTED));
        assertThat(this.hub.counters().kicks("dev1")).isEqualTo(2);
        assertThat(this.hub.connectionEvents("dev1")).filteredOn(e -> e.kind() == ConnectionEvent.Kind.DISCONNECTED)
                .extracting(ConnectionEvent::disconnectReason).containsOnly(DisconnectReason.KICKED);
        assertThat(this.hub.isConnected("dev1")).isTrue();
    }

    @Test
    void cloudToDeviceMessagesReachTheMessageCallbackIncludingOnesQueuedWhileOffline() throws Exception {
        List<Message> received = new CopyOnWriteArrayList<>();
        DeviceClient device = providerClient(new AtomicInteger(), call -> 3600);
        device.setMessageCallback((message, context) -> {
            received.add(message);
            return IotHubMessageResult.COMPLETE;
        }, null);
        CloudToDeviceMessage queued = this.hub.sendCloudToDevice("dev1",
                "while offline".getBytes(StandardCharsets.UTF_8), Map.of("color", "dark blue"));

        device.open(false);
        CloudToDeviceMessage online = this.hub.sendCloudToDevice("dev1", "online".getBytes(StandardCharsets.UTF_8),
                Map.of("$.ct", "text/plain", "$.cid", "corr-1", "n", "2"));

        await().atMost(WAIT).until(() -> received.size() == 2);
        assertThat(received.get(0).getBytes()).isEqualTo("while offline".getBytes(StandardCharsets.UTF_8));
        assertThat(received.get(0).getProperty("color")).isEqualTo("dark blue");
        assertThat(received.get(0).getMessageId()).isEqualTo(queued.messageId());
        assertThat(new String(received.get(1).getBytes(), StandardCharsets.UTF_8)).isEqualTo("online");
        assertThat(received.get(1).getContentType()).isEqualTo("text/plain");
        assertThat(received.get(1).getCorrelationId()).isEqualTo("corr-1");
        assertThat(received.get(1).getProperty("n")).isEqualTo("2");
        // the SDK acknowledges after the callback returned COMPLETE
        assertThat(queued.acknowledged().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(online.acknowledged().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(queued.deliveries()).isEqualTo(1);
    }

    @Test
    void aMethodSubscriptionSurvivesAReconnectThatTheSdkDoesNotResubscribe() throws Exception {
        DeviceClient device = providerClient(new AtomicInteger(), call -> 3600);
        device.open(false);
        device.subscribeToMethods((methodName, payload, context) -> new DirectMethodResponse(200,
                Map.of("method", methodName, "echo", payload.getPayloadAsJsonString())), null);

        this.hub.dropConnection("dev1");
        await().atMost(WAIT).until(() -> sawInOrder(new Status(IotHubConnectionStatus.DISCONNECTED_RETRYING,
                IotHubConnectionStatusChangeReason.NO_NETWORK), CONNECTED));
        await().atMost(WAIT).until(() -> this.hub.isConnected("dev1"));

        MethodResponse response = this.hub.invokeMethod("dev1", "reboot", "{\"delay\":5}", WAIT)
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.payload()).contains("\"method\":\"reboot\"", "delay");
        assertThat(this.hub.subscribeRequests("dev1")).filteredOn(IotHubMqttTopics.METHODS_FILTER::equals)
                .hasSize(1);
        assertThat(this.hub.subscribeRequests("dev1")).filteredOn("devices/dev1/messages/devicebound/#"::equals)
                .hasSize(2);
    }

    @Test
    void theSdkRecoversFromAHubOutageAndDeliversWhatItQueued() throws Exception {
        DeviceClient device = providerClient(new AtomicInteger(), call -> 3600);
        device.open(false);

        this.hub.stop();
        await().atMost(WAIT).until(() -> this.statuses.contains(new Status(
                IotHubConnectionStatus.DISCONNECTED_RETRYING, IotHubConnectionStatusChangeReason.NO_NETWORK)));
        CompletableFuture<IotHubClientException> sentDuringOutage = new CompletableFuture<>();
        device.sendEventAsync(new Message("during outage"), (m, e, c) -> sentDuringOutage.complete(e), null);
        assertThat(this.hub.isConnected("dev1")).isFalse();

        this.hub.start();

        assertThat(sentDuringOutage.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNull();
        assertThat(this.hub.awaitMessages(1, WAIT).get(0).bodyAsString()).isEqualTo("during outage");
        await().atMost(WAIT).until(() -> this.statuses.get(this.statuses.size() - 1).equals(CONNECTED));
        assertThat(this.hub.connectionEvents("dev1")).extracting(ConnectionEvent::disconnectReason)
                .contains(DisconnectReason.HUB_STOPPED);
        assertThat(this.hub.reconnectGaps("dev1")).hasSize(1);
    }
}
