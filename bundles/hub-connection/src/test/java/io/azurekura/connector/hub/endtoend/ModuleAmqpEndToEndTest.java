package io.azurekura.connector.hub.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.hub.DisconnectReason;
import io.azurekura.connector.testsupport.hub.HubTransport;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Module identities over AMQPS with the real Azure SDK 2.5.0 ({@code ModuleClient}) and the real token cache,
 * beside device identities multiplexed on one shared AMQP connection of the same gateway. The SDK names a module's
 * put-token by its device ({@code {host}/devices/{d}}); the token's audience names the module. Ids carry characters
 * that must be percent-encoded in the audience ({@code + # ; $}), so the whole chain has to agree on the encoding.
 * <p>
 * Modules are never multiplexed (SDK 2.5.0's MultiplexingClient takes DeviceClients only): the module has an AMQP
 * connection of its own. IoT Hub sends cloud-to-device messages to devices only; the SDK opens the module's
 * devicebound link all the same, and nothing arrives on it.
 */
class ModuleAmqpEndToEndTest {

    /** Shortest lifetime the SDK renews safely before expiry (see AmqpRenewalEndToEndTest). */
    private static final Duration LIFETIME = Duration.ofSeconds(8);
    private static final Duration LONG_LIFE = Duration.ofMinutes(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final String GATEWAY_DEVICE = "gw+1;site#3";
    private static final String MODULE = "telemetry$edge";

    @RegisterExtension
    static final LoopbackHub HUB = new LoopbackHub(Duration.ZERO);

    private static IotHubEmulator hub() {
        return HUB.emulator();
    }

    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private final Map<String, Duration> lifetimes = new ConcurrentHashMap<>();
    private TestGateway gateway;

    @BeforeEach
    void newGateway() {
        hub().reset();
        this.gateway = new TestGateway(new SigningTokenChain(scope -> this.keys.get(clientId(scope)),
                scope -> this.lifetimes.getOrDefault(clientId(scope), LIFETIME), 0.8, 4, Duration.ofSeconds(2)), 50,
                10);
    }

    @AfterEach
    void closeGateway() {
        this.gateway.close();
    }

    private static String clientId(TokenScope scope) {
        return scope.moduleId() == null ? scope.deviceId() : scope.deviceId() + "/" + scope.moduleId();
    }

    private HubConnectionSupervisor device(String deviceId, Duration lifetime) {
        String key = SasSigner.newKey();
        this.keys.put(deviceId, key);
        this.lifetimes.put(deviceId, lifetime);
        hub().addDevice(deviceId, key);
        return this.gateway.connect(deviceId, Transport.AMQPS, true);
    }

    private HubConnectionSupervisor module(String deviceId, String moduleId, Duration lifetime) {
        String key = SasSigner.newKey();
        this.keys.put(deviceId + "/" + moduleId, key);
        this.lifetimes.put(deviceId + "/" + moduleId, lifetime);
        hub().addModule(deviceId, moduleId, key);
        return this.gateway.connectModule(deviceId, moduleId, Transport.AMQPS);
    }

    private static ScheduledExecutorService sendEvery250ms(List<HubConnectionSupervisor> connections,
            List<CompletableFuture<MessageReceipt>> sent) {
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        sender.scheduleAtFixedRate(() -> connections.forEach(c -> sent.add(c.send(TelemetryMessage.ofJson(
                "{\"from\":\"" + c.status().name() + "\"}")).toCompletableFuture())), 0, 250, TimeUnit.MILLISECONDS);
        return sender;
    }

    private static Set<String> stopAndAwaitReceipts(ScheduledExecutorService sender,
            List<CompletableFuture<MessageReceipt>> sent) throws Exception {
        sender.shutdown();
        assertThat(sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        return sent.stream().map(CompletableFuture::join).map(MessageReceipt::messageId).collect(Collectors.toSet());
    }

    @Test
    void aModuleRenewsInPlaceOverSeveralLifetimesBesideMultiplexedDevices() throws Exception {
        String moduleClientId = GATEWAY_DEVICE + "/" + MODULE;
        HubConnectionSupervisor module = module(GATEWAY_DEVICE, MODULE, LIFETIME);
        HubConnectionSupervisor first = device("mux-1", LIFETIME);
        HubConnectionSupervisor second = device("mux-2", LIFETIME);
        List<HubConnectionSupervisor> all = List.of(module, first, second);
        List<CloudToDeviceMessage> toModule = new CopyOnWriteArrayList<>();
        List<CloudToDeviceMessage> toDevice = new CopyOnWriteArrayList<>();
        module.addCloudToDeviceListener(toModule::add);
        first.addCloudToDeviceListener(toDevice::add);
        await().atMost(CONNECT_TIMEOUT).until(() -> all.stream().allMatch(c -> c.state() == ConnectionState.CONNECTED));
        Instant start = Instant.now();
        List<CompletableFuture<MessageReceipt>> sent = new CopyOnWriteArrayList<>();
        ScheduledExecutorService sender = sendEvery250ms(all, sent);

        await().atMost(LIFETIME.multipliedBy(6)).pollInterval(Duration.ofMillis(500))
                .until(() -> Duration.between(start, Instant.now()).compareTo(LIFETIME.multipliedBy(3)) >= 0
                        && hub().counters().renewals(moduleClientId) >= 3 && hub().counters().renewals("mux-1") >= 3
                        && hub().counters().renewals("mux-2") >= 3);
        hub().sendCloudToDevice("mux-1", "to the device".getBytes(StandardCharsets.UTF_8), Map.of("$.mid", "c2d-1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> toDevice.size() == 1);
        Set<String> acknowledged = stopAndAwaitReceipts(sender, sent);

        assertThat(hub().counters().connects(moduleClientId)).isEqualTo(1);
        assertThat(hub().counters().expiryDrops()).isZero();
        assertThat(module.status().connects()).isEqualTo(1);
        assertThat(module.status().unplannedReconnects()).isZero();
        assertThat(module.status().plannedReconnects()).isZero();
        assertThat(hub().connectionEvents(moduleClientId)).extracting(ConnectionEvent::kind, ConnectionEvent::transport)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ConnectionEvent.Kind.CONNECTED,
                        HubTransport.AMQPS));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(hub().counters()
                .putTokens(moduleClientId)).isEqualTo(hub().counters().renewals(moduleClientId) + 1));
        // One connection shared by the two devices, one of the module's own; none was replaced.
        assertThat(hub().counters().amqpConnections()).isEqualTo(2);
        assertThat(hub().openAmqpConnections()).isEqualTo(2);
        assertThat(this.gateway.multiplexed.connectionCount()).isEqualTo(1);
        assertThat(all).allSatisfy(c -> assertThat(c.status().messagesFailed()).isZero());
        assertThat(hub().messages(moduleClientId)).isNotEmpty();
        assertThat(hub().messages().stream().map(m -> m.messageId()).collect(Collectors.toSet()))
                .containsAll(acknowledged);
        assertThat(toDevice).singleElement().extracting(CloudToDeviceMessage::messageId)
                .isEqualTo(java.util.Optional.of("c2d-1"));
        assertThat(toModule).isEmpty();
        assertThat(hub().counters().authFailures()).isZero();
    }

    @Test
    void aLapsedModuleTokenDetachesOnlyTheModuleAndItComesBack() throws Exception {
        String moduleClientId = GATEWAY_DEVICE + "/" + MODULE;
        HubConnectionSupervisor module = module(GATEWAY_DEVICE, MODULE, LIFETIME);
        HubConnectionSupervisor steady = device("mux-steady", LONG_LIFE);
        HubConnectionSupervisor steadyModuleDevice = device(GATEWAY_DEVICE, LONG_LIFE);
        List<HubConnectionSupervisor> all = List.of(module, steady, steadyModuleDevice);
        await().atMost(CONNECT_TIMEOUT).until(() -> all.stream().allMatch(c -> c.state() == ConnectionState.CONNECTED));
        List<CompletableFuture<MessageReceipt>> sent = new CopyOnWriteArrayList<>();
        ScheduledExecutorService sender = sendEvery250ms(all, sent);

        // The token server goes down for longer than the module's token lives.
        this.gateway.tokens.outage(true);
        await().atMost(LIFETIME.plusSeconds(10)).until(() -> hub().counters().expiryDrops(moduleClientId) == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> module.state() != ConnectionState.CONNECTED);
        assertThat(hub().isConnectedOverAmqp("mux-steady")).isTrue();
        // The module's own device stays connected: the lapse is the module's, not its device's.
        assertThat(hub().isConnectedOverAmqp(GATEWAY_DEVICE)).isTrue();
        this.gateway.tokens.outage(false);

        await().atMost(CONNECT_TIMEOUT).until(() -> module.state() == ConnectionState.CONNECTED);
        stopAndAwaitReceipts(sender, sent);

        assertThat(hub().connectionEvents(moduleClientId)).filteredOn(e -> e.kind() == ConnectionEvent.Kind
                .DISCONNECTED).extracting(ConnectionEvent::disconnectReason).contains(DisconnectReason.TOKEN_EXPIRED);
        assertThat(hub().counters().expiryDrops("mux-steady")).isZero();
        assertThat(hub().counters().expiryDrops(GATEWAY_DEVICE)).isZero();
        assertThat(steady.status().connects()).isEqualTo(1);
        assertThat(steady.status().unplannedReconnects()).isZero();
        assertThat(steadyModuleDevice.status().unplannedReconnects()).isZero();
        assertThat(hub().connectionEvents("mux-steady")).extracting(ConnectionEvent::kind)
                .containsExactly(ConnectionEvent.Kind.CONNECTED);
        assertThat(module.status().unplannedReconnects()).isGreaterThanOrEqualTo(1);
        // Nothing was lost: messages the SDK held when it gave up on its own reconnect were sent again (before the
        // fix their futures never completed).
        assertThat(all).allSatisfy(c -> assertThat(c.status().messagesFailed()).isZero());
        assertThat(hub().messages(moduleClientId)).isNotEmpty();
    }
}
