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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.InternalClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.MultiplexingClient;
import com.microsoft.azure.sdk.iot.device.MultiplexingClientOptions;
import com.microsoft.azure.sdk.iot.device.SasTokenProvider;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.transport.RetryDecision;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * The emulator's AMQP front end against the real Azure device SDK 2.5.0 over AMQPS on 127.0.0.1:5671 (the SDK's
 * fixed port, so these tests run one at a time and always close the emulator). TLS is verified against the test CA.
 */
class IotHubEmulatorAmqpSdkTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String key = SasSigner.newKey();
    private final String otherKey = SasSigner.newKey();
    private final String moduleKey = SasSigner.newKey();
    private final List<InternalClient> clients = new ArrayList<>();
    private final List<MultiplexingClient> multiplexers = new ArrayList<>();
    private IotHubEmulator hub;

    @BeforeEach
    void startHub() {
        this.hub = LoopbackPorts.startHub(IotHubEmulator.builder());
        this.hub.addDevice("dev1", this.key).addDevice("dev2", this.otherKey).addModule("dev1", "mod1",
                this.moduleKey);
    }

    @AfterEach
    void closeAll() {
        this.clients.forEach(InternalClient::close);
        this.multiplexers.forEach(MultiplexingClient::close);
        if (this.hub != null) {
            this.hub.close();
        }
    }

    private static ClientOptions options() {
        return ClientOptions.builder().sslContext(TestPki.shared().clientSslContext()).build();
    }

    /** A provider as a token server would back it: each call signs a token living {@code lifetime} from now. */
    private static SasTokenProvider provider(String audience, String key, Duration lifetime, AtomicInteger calls) {
        return () -> {
            calls.incrementAndGet();
            return SasSigner.sign(audience, key, Instant.now().plus(lifetime).getEpochSecond(), null,
                    SasSigner.ResourceForm.PLAIN).toCharArray();
        };
    }

    private DeviceClient device(String deviceId, SasTokenProvider tokens) {
        DeviceClient client = new DeviceClient("localhost", deviceId, tokens, IotHubClientProtocol.AMQPS, options());
        this.clients.add(client);
        return client;
    }

    private static IotHubClientException send(InternalClient client, Message message) throws Exception {
        CompletableFuture<IotHubClientException> done = new CompletableFuture<>();
        client.sendEventAsync(message, (sent, exception, context) -> done.complete(exception), null);
        return done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void putTokenAuthorizesTelemetryIsRecordedAndCloudToDeviceMessagesArrive() throws Exception {
        List<Message> received = new CopyOnWriteArrayList<>();
        DeviceClient device = device("dev1", provider("localhost/devices/dev1", this.key, Duration.ofHours(1),
                new AtomicInteger()));
        device.setMessageCallback((message, context) -> {
            received.add(message);
            return IotHubMessageResult.COMPLETE;
        }, null);
        device.open(false);

        Message message = new Message("{\"temperature\":21.5}".getBytes(StandardCharsets.UTF_8));
        message.setMessageId("msg-1");
        message.setContentType("application/json");
        message.setContentEncoding("utf-8");
        message.setProperty("unit name", "\u00b0C/K & more");
        assertThat(send(device, message)).isNull();

        TelemetryMessage recorded = this.hub.awaitMessages(1, WAIT).get(0);
        assertThat(recorded.clientId()).isEqualTo("dev1");
        assertThat(recorded.topic()).isEqualTo("/devices/dev1/messages/events");
        assertThat(recorded.bodyAsString()).isEqualTo("{\"temperature\":21.5}");
        assertThat(recorded.messageId()).isEqualTo("msg-1");
        assertThat(recorded.contentType()).isEqualTo("application/json");
        assertThat(recorded.contentEncoding()).isEqualTo("utf-8");
        assertThat(recorded.applicationProperties()).containsEntry("unit name", "\u00b0C/K & more");

        CloudToDeviceMessage c2d = this.hub.sendCloudToDevice("dev1", "reboot".getBytes(StandardCharsets.UTF_8),
                Map.of("$.ct", "text/plain", "$.cid", "corr-1", "command", "reboot"));
        assertThat(c2d.acknowledged().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(received).hasSize(1);
        assertThat(received.get(0).getBytes()).isEqualTo("reboot".getBytes(StandardCharsets.UTF_8));
        assertThat(received.get(0).getMessageId()).isEqualTo(c2d.messageId());
        assertThat(received.get(0).getCorrelationId()).isEqualTo("corr-1");
        assertThat(received.get(0).getContentType()).isEqualTo("text/plain");
        assertThat(received.get(0).getProperty("command")).isEqualTo("reboot");

        HubCounters counters = this.hub.counters();
        assertThat(counters.amqpConnections()).isEqualTo(1);
        assertThat(counters.putTokens("dev1")).isEqualTo(1);
        assertThat(counters.connects("dev1")).isEqualTo(1);
        assertThat(this.hub.isConnectedOverAmqp("dev1")).isTrue();
        assertThat(this.hub.connectionEvents("dev1")).singleElement()
                .satisfies(e -> assertThat(e.transport()).isEqualTo(HubTransport.AMQPS));
    }

    @Test
    void theSdkRenewsItsTokenOnTheSameConnectionWithoutBeingDetached() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        // se is whole seconds: an 8 s token has 7-8 s left, and the SDK renews at 85 % of the whole seconds left
        DeviceClient device = device("dev1", provider("localhost/devices/dev1", this.key, Duration.ofSeconds(8),
                calls));
        device.open(false);

        await().atMost(WAIT).until(() -> this.hub.counters().renewals("dev1") >= 1);

        assertThat(this.hub.counters().amqpConnections()).isEqualTo(1);
        assertThat(this.hub.openAmqpConnections()).isEqualTo(1);
        assertThat(this.hub.counters().connects("dev1")).isEqualTo(1);
        assertThat(this.hub.counters().expiryDrops()).isZero();
        assertThat(this.hub.counters().putTokens("dev1")).isEqualTo(this.hub.counters().renewals("dev1") + 1);
        assertThat(send(device, new Message("after renewals"))).isNull();
    }

    @Test
    void aTokenSignedWithTheWrongKeyIsAnswered401() {
        DeviceClient device = device("dev1", provider("localhost/devices/dev1", SasSigner.newKey(),
                Duration.ofHours(1), new AtomicInteger()));

        assertThatThrownBy(() -> device.open(false)).isInstanceOf(IotHubClientException.class);

        assertThat(this.hub.counters().authFailures("dev1")).isGreaterThanOrEqualTo(1);
        assertThat(this.hub.counters().refusals(ConnectRefusal.BAD_SIGNATURE)).isGreaterThanOrEqualTo(1);
        assertThat(this.hub.counters().connects()).isZero();
        assertThat(this.hub.isConnected("dev1")).isFalse();
    }

    @Test
    void aModuleAuthenticatesWithItsOwnAudienceUnderTheDevicesName() throws Exception {
        ModuleClient module = new ModuleClient("localhost", "dev1", "mod1", provider(
                "localhost/devices/dev1/modules/mod1", this.moduleKey, Duration.ofHours(1), new AtomicInteger()),
                IotHubClientProtocol.AMQPS, options());
        this.clients.add(module);
        module.open(false);

        assertThat(send(module, new Message("from module"))).isNull();
        TelemetryMessage recorded = this.hub.awaitMessages(1, WAIT).get(0);
        assertThat(recorded.clientId()).isEqualTo("dev1/mod1");
        assertThat(recorded.topic()).isEqualTo("/devices/dev1/modules/mod1/messages/events");
        assertThat(this.hub.isConnected("dev1")).isFalse();
    }

    @Test
    void aLapsedTokenDetachesOnlyThatIdentityOfAMultiplexedConnection() throws Exception {
        // dev1 keeps getting the same short-lived token (no renewal reaches it); dev2's tokens live long.
        String lapsing = SasSigner.sign("localhost/devices/dev1", this.key, Instant.now().plusSeconds(3)
                .getEpochSecond(), null, SasSigner.ResourceForm.PLAIN);
        DeviceClient first = new DeviceClient("localhost", "dev1", lapsing::toCharArray, IotHubClientProtocol.AMQPS,
                options());
        // Without its own reconnect attempt (unregister and re-register with the refused token at once) the SDK
        // cannot hit proton-j's "uncorrelated channel" race, which takes the whole connection down with it.
        first.setRetryPolicy((attempt, error) -> new RetryDecision(false, 0));
        DeviceClient second = new DeviceClient("localhost", "dev2", provider("localhost/devices/dev2",
                this.otherKey, Duration.ofHours(1), new AtomicInteger()), IotHubClientProtocol.AMQPS, options());
        MultiplexingClient multiplexer = new MultiplexingClient("localhost", IotHubClientProtocol.AMQPS,
                MultiplexingClientOptions.builder().sslContext(TestPki.shared().clientSslContext()).build());
        this.multiplexers.add(multiplexer);
        multiplexer.registerDeviceClients(List.of(first, second));
        multiplexer.open(false);
        assertThat(this.hub.connectedClientIds()).contains("dev1", "dev2");

        await().atMost(WAIT).until(() -> this.hub.counters().expiryDrops("dev1") == 1);

        assertThat(this.hub.connectionEvents("dev1")).filteredOn(e -> e.kind() == ConnectionEvent.Kind.DISCONNECTED)
                .extracting(ConnectionEvent::disconnectReason).containsExactly(DisconnectReason.TOKEN_EXPIRED);
        assertThat(this.hub.counters().expiryDrops("dev2")).isZero();
        assertThat(this.hub.isConnectedOverAmqp("dev2")).isTrue();
        assertThat(this.hub.openAmqpConnections()).isEqualTo(1);
        assertThat(this.hub.counters().amqpConnections()).isEqualTo(1);
        assertThat(send(second, new Message("still here"))).isNull();
        assertThat(this.hub.messages("dev2")).hasSize(1);
    }
}
