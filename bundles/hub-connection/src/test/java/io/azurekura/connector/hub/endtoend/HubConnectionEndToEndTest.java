package io.azurekura.connector.hub.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.hub.sdk.AzureSdkClientFactory;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.hub.supervisor.PlannedReconnectGate;
import io.azurekura.connector.hub.supervisor.SupervisorSettings;
import io.azurekura.connector.hub.trust.TrustContexts;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * The connection manager's core with the real Azure device SDK (MQTT over TLS) against the IoT Hub emulator on
 * 127.0.0.1:8883, with tokens from the real token cache signed by an independent signer.
 */
class HubConnectionEndToEndTest {

    private static final Logger LOG = LoggerFactory.getLogger(HubConnectionEndToEndTest.class);
    private static final String HUB_HOST = "localhost";
    private static final Duration LONG_LIFE = Duration.ofHours(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    // No grace: any token outliving its connection shows up as an expiry drop at once.
    @RegisterExtension
    static final LoopbackHub HUB = new LoopbackHub(Duration.ZERO);

    private static IotHubEmulator hub() {
        return HUB.emulator();
    }

    private final SecureRandom random = new SecureRandom();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private String deviceId;
    private String deviceKey;
    private HubIdentity identity;

    @BeforeEach
    void registerDevice(TestInfo test) {
        this.deviceId = "e2e-" + test.getTestMethod().get().getName();
        this.deviceKey = SasSigner.newKey();
        hub().start();
        hub().addDevice(this.deviceId, this.deviceKey);
        hub().reset();
        this.identity = HubIdentity.device(HUB_HOST, this.deviceId, IdentitySource.STATIC);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = this.toClose.size() - 1; i >= 0; i--) {
            this.toClose.get(i).close();
        }
    }

    private SigningTokenChain chain(String key, Duration lifetime) {
        SigningTokenChain chain = new SigningTokenChain(key, lifetime, Duration.ofSeconds(2));
        this.toClose.add(chain);
        return chain;
    }

    private HubConnectionSupervisor connect(SigningTokenChain chain, UnaryOperator<SupervisorSettings.Builder> tune) {
        SupervisorSettings settings = tune.apply(SupervisorSettings.builder("e2e-connection",
                new ExponentialBackoff(Duration.ofMillis(250), Duration.ofSeconds(2), Duration.ofSeconds(2),
                        this.random::nextDouble))
                .transport(Transport.MQTT).keepAliveSeconds(30).renewalJitter(Duration.ofSeconds(1))).build();
        HubConnectionSupervisor supervisor = new HubConnectionSupervisor(settings, new AzureSdkClientFactory(),
                chain.cache, IdentityResolver.fixed(this.identity),
                () -> TrustContexts.fromKeyStore(TestPki.shared().trustStore()), new PlannedReconnectGate(),
                Clock.SYSTEM, this.random::nextDouble);
        this.toClose.add(supervisor);
        supervisor.start();
        return supervisor;
    }

    private static void awaitConnected(HubConnectionSupervisor supervisor) {
        await().atMost(CONNECT_TIMEOUT).until(supervisor::state, s -> s == ConnectionState.CONNECTED);
    }

    @Test
    void sendsTelemetryThatTheHubAcknowledgesAndReceivesCloudToDevice() throws Exception {
        SigningTokenChain chain = chain(this.deviceKey, LONG_LIFE);
        HubConnectionSupervisor connection = connect(chain, s -> s);
        List<CloudToDeviceMessage> received = new CopyOnWriteArrayList<>();
        connection.addCloudToDeviceListener(received::add);
        awaitConnected(connection);

        MessageReceipt receipt = connection.send(TelemetryMessage.builder(
                "{\"temperature\":21.5}".getBytes(StandardCharsets.UTF_8)).messageId("m-1")
                .contentType("application/json").contentEncoding("utf-8").property("unit", "°C")
                .property("site", "plant 1").build()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(receipt.messageId()).isEqualTo("m-1");
        var recorded = hub().awaitMessages(1, Duration.ofSeconds(5)).get(0);
        assertThat(recorded.clientId()).isEqualTo(this.deviceId);
        assertThat(recorded.messageId()).isEqualTo("m-1");
        assertThat(recorded.contentType()).isEqualTo("application/json");
        assertThat(recorded.contentEncoding()).isEqualTo("utf-8");
        assertThat(recorded.applicationProperties()).containsEntry("unit", "°C").containsEntry("site", "plant 1");
        assertThat(recorded.bodyAsString()).isEqualTo("{\"temperature\":21.5}");

        hub().sendCloudToDevice(this.deviceId, "reboot".getBytes(StandardCharsets.UTF_8),
                Map.of("$.mid", "c2d-1", "command", "reboot"));
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        assertThat(received.get(0).messageId()).contains("c2d-1");
        assertThat(received.get(0).properties()).containsEntry("command", "reboot");
        assertThat(new String(received.get(0).body(), StandardCharsets.UTF_8)).isEqualTo("reboot");

        ConnectionStatus status = connection.status();
        assertThat(status.connects()).isEqualTo(1);
        assertThat(status.messagesAcknowledged()).isEqualTo(1);
        assertThat(status.reason()).isEqualTo(ConnectionReason.CONNECTION_OK);
        // The SDK's threads carry our prefix too, so leak checks see them.
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .anyMatch(name -> name.startsWith("azure-sts-connector-sdk"));
    }

    @Test
    void shortLivedTokensAreRenewedByPlannedReconnectsWithoutExpiryDropsOrLostMessages() throws Exception {
        Duration lifetime = Duration.ofSeconds(10);
        SigningTokenChain chain = chain(this.deviceKey, lifetime);
        HubConnectionSupervisor connection = connect(chain, s -> s);
        awaitConnected(connection);
        Instant start = Instant.now();

        List<CompletableFuture<MessageReceipt>> sent = new CopyOnWriteArrayList<>();
        AtomicInteger counter = new AtomicInteger();
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        this.toClose.add(sender::shutdownNow);
        sender.scheduleAtFixedRate(() -> sent.add(connection.send(TelemetryMessage.ofJson(
                "{\"n\":" + counter.incrementAndGet() + "}")).toCompletableFuture()), 0, 100, TimeUnit.MILLISECONDS);

        // At least five token lifetimes of continuous sending.
        await().atMost(Duration.ofSeconds(90)).until(() -> Duration.between(start, Instant.now())
                .compareTo(lifetime.multipliedBy(5)) >= 0 && connection.status().plannedReconnects() >= 5);
        sender.shutdown();
        assertThat(sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        // One planned reconnect per renewal and one hub connect per planned reconnect. Renewals go on while we
        // look, so read all three counters at a moment when no renewal is between token, reconnect and CONNACK.
        AtomicReference<ConnectionStatus> settled = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ConnectionStatus now = connection.status();
            settled.set(now);
            return connection.state() == ConnectionState.CONNECTED
                    && now.plannedReconnects() == chain.fetches.get() - 1
                    && now.plannedReconnects() == hub().counters().connects(this.deviceId) - 1;
        });

        ConnectionStatus status = settled.get();
        assertThat(hub().counters().expiryDrops(this.deviceId)).isZero();
        assertThat(status.expiryDisconnects()).isZero();
        assertThat(status.unplannedReconnects()).isZero();
        List<Instant> tokenExpiries = hub().connectionEvents(this.deviceId).stream()
                .filter(e -> e.kind() == ConnectionEvent.Kind.CONNECTED).map(ConnectionEvent::tokenExpiry).toList();
        assertThat(tokenExpiries).doesNotHaveDuplicates().isSorted();

        Set<String> acknowledged = sent.stream().map(CompletableFuture::join).map(MessageReceipt::messageId)
                .collect(Collectors.toSet());
        Set<String> atHub = hub().messages(this.deviceId).stream()
                .map(io.azurekura.connector.testsupport.hub.TelemetryMessage::messageId).collect(Collectors.toSet());
        assertThat(acknowledged).hasSize(sent.size());
        assertThat(atHub).containsAll(acknowledged);
        assertThat(status.messagesFailed()).isZero();

        Duration maxGap = status.maxPlannedReconnectGap().orElseThrow();
        List<Duration> hubGaps = hub().reconnectGaps(this.deviceId);
        LOG.info("Planned reconnects: {} over {} s; gap last {} ms, max {} ms; hub-side gaps {} ms; {} messages",
                status.plannedReconnects(), Duration.between(start, Instant.now()).toSeconds(),
                status.lastPlannedReconnectGap().orElseThrow().toMillis(), maxGap.toMillis(),
                hubGaps.stream().map(Duration::toMillis).toList(), sent.size());
        assertThat(maxGap).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void tokensSignedWithTheWrongKeyAreClassifiedAsBadCredentialWithoutAHotLoop() {
        SigningTokenChain chain = chain(SasSigner.newKey(), LONG_LIFE);
        HubConnectionSupervisor connection = connect(chain, s -> s.reconnectBackoff(new ExponentialBackoff(
                Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(4), this.random::nextDouble)));

        await().atMost(CONNECT_TIMEOUT).until(() -> hub().counters().authFailures(this.deviceId) >= 1);
        long attemptsBefore = hub().counters().connectAttempts(this.deviceId);
        int fetchesBefore = chain.fetches.get();
        // Observe a ten-second window of refusals.
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12))
                .until(() -> connection.state() != ConnectionState.CONNECTED);

        ConnectionStatus status = connection.status();
        assertThat(status.reason()).isEqualTo(ConnectionReason.BAD_CREDENTIAL);
        assertThat(status.badCredentials()).isGreaterThanOrEqualTo(2);
        long attempts = hub().counters().connectAttempts(this.deviceId) - attemptsBefore;
        int fetches = chain.fetches.get() - fetchesBefore;
        LOG.info("Wrong key, 10 s window: {} connection attempts, {} token fetches, status {}", attempts, fetches,
                status);
        // Backoff of 1 s doubling to 4 s: at most ~10 attempts in 10 s even with the shortest jitter draws.
        assertThat(attempts).isBetween(2L, 11L);
        // The cache rate-limits invalidations to one per 2 s here.
        assertThat(fetches).isBetween(1, 7);
        assertThat(hub().counters().connects(this.deviceId)).isZero();

        // The token server is fixed: the next refusal's invalidation brings a good token and the connection up.
        chain.signWith(this.deviceKey);
        awaitConnected(connection);
    }

    @Test
    void recoversWhenTheHubComesBackWithoutARestart() throws Exception {
        SigningTokenChain chain = chain(this.deviceKey, LONG_LIFE);
        // A short SDK operation timeout so the SDK gives up (terminal DISCONNECTED) and our supervisor takes over.
        HubConnectionSupervisor connection = connect(chain, s -> s.operationTimeout(Duration.ofSeconds(3)));
        awaitConnected(connection);

        hub().stop();
        await().atMost(CONNECT_TIMEOUT).until(connection::state, s -> s != ConnectionState.CONNECTED);
        List<CompletableFuture<MessageReceipt>> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(connection.send(TelemetryMessage.ofJson("{\"held\":" + i + "}")).toCompletableFuture());
        }
        // The SDK's own retries run out, then the supervisor opens new clients with backoff.
        await().atMost(CONNECT_TIMEOUT).until(() -> connection.status().connectAttempts() >= 3);
        assertThat(connection.state()).isIn(ConnectionState.BACKING_OFF, ConnectionState.CONNECTING);
        assertThat(held).noneMatch(CompletableFuture::isDone);

        hub().start();
        awaitConnected(connection);
        CompletableFuture.allOf(held.toArray(new CompletableFuture[0])).get(20, TimeUnit.SECONDS);
        assertThat(hub().messages(this.deviceId)).hasSizeGreaterThanOrEqualTo(5);
        assertThat(connection.status().unplannedReconnects()).isEqualTo(1);
    }

    @Test
    void aSecondClientWithTheSameIdIsKickedBackOnceWithoutPingPong() throws Exception {
        SigningTokenChain chain = chain(this.deviceKey, LONG_LIFE);
        HubConnectionSupervisor connection = connect(chain, s -> s);
        awaitConnected(connection);

        MqttClient intruder = new MqttClient("ssl://localhost:8883", this.deviceId, new MemoryPersistence());
        this.toClose.add(intruder::close);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setAutomaticReconnect(false);
        options.setUserName(HUB_HOST + "/" + this.deviceId + "/?api-version=2020-09-30");
        options.setPassword(SasSigner.sign(this.identity.tokenScope().resourceUri(), this.deviceKey,
                Instant.now().plus(LONG_LIFE).getEpochSecond(), null, SasSigner.ResourceForm.PLAIN).toCharArray());
        options.setSocketFactory(TestPki.shared().clientSslContext().getSocketFactory());
        intruder.connect(options);

        // Ours was kicked, reconnected and kicked the intruder in turn.
        await().atMost(CONNECT_TIMEOUT).until(() -> hub().counters().kicks(this.deviceId) == 2
                && connection.state() == ConnectionState.CONNECTED && !intruder.isConnected());
        // No storm: nothing more happens.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                .until(() -> hub().counters().kicks(this.deviceId) == 2
                        && connection.state() == ConnectionState.CONNECTED);
        assertThat(connection.status().unplannedReconnects()).isEqualTo(1);
        assertThat(hub().counters().connects(this.deviceId)).isEqualTo(3);
        connection.send(TelemetryMessage.ofJson("{\"after\":\"kick\"}")).toCompletableFuture().get(10,
                TimeUnit.SECONDS);
    }
}
