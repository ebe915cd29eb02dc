package io.azurekura.connector.hub.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.azurekura.connector.api.hub.CloudToDeviceListener;
import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.SendException;
import io.azurekura.connector.api.hub.SendFailure;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.ClientStatus;
import io.azurekura.connector.hub.client.CloudToDeviceDisposition;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientFactory;
import io.azurekura.connector.hub.client.HubClientListener;
import io.azurekura.connector.hub.client.SendResult;
import io.azurekura.connector.hub.endtoend.LoopbackHub;
import io.azurekura.connector.hub.endtoend.SigningTokenChain;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.hub.sdk.AzureSdkClientFactory;
import io.azurekura.connector.hub.supervisor.ConnectRateLimiter;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.hub.supervisor.PlannedReconnectGate;
import io.azurekura.connector.hub.supervisor.SupervisorExecutors;
import io.azurekura.connector.hub.supervisor.SupervisorSettings;
import io.azurekura.connector.hub.trust.TrustContexts;
import io.azurekura.connector.hub.trust.TrustProvider;
import io.azurekura.connector.testsupport.hostile.HostileInputReport;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Issue 11: what the hub, a cloud-to-device sender and a configuration writer can throw at one hub connection. Each
 * invocation is one hostile input; it passes when the input is handled: a classified outcome, within a bound (time,
 * bytes, calls), with no token or key in any log line.
 * <p>
 * Cloud-to-device and configuration inputs run against the real supervisor with an in-memory client (the
 * supervisor's verdict is what the SDK clients turn into PUBACK/abandon/reject); the hub's misbehaviour runs with the
 * real Azure SDK against one shared IoT Hub emulator.
 */
@ExtendWith(HostileInputReport.class)
class HubConnectionHostileInputTest {

    private static final HubIdentity DEVICE = HubIdentity.device("localhost", "hostile-dev", IdentitySource.STATIC);
    private static final String KEY = SasSigner.newKey();
    /** Stands for any secret a hostile input might carry into a log line. */
    private static final String PLANTED_SECRET = "sig=PLANTEDSECRETabc123";

    private static IotHubEmulator hub;
    private static SigningTokenChain tokens;

    private final SecureRandom random = new SecureRandom();
    private final List<HubConnectionSupervisor> started = new ArrayList<>();
    private CapturedLogs logs;

    @BeforeAll
    static void startHub() {
        hub = LoopbackHub.start(Duration.ZERO);
        hub.addDevice(DEVICE.deviceId(), KEY);
        tokens = new SigningTokenChain(KEY, Duration.ofHours(1), Duration.ofMillis(500));
    }

    @AfterAll
    static void stopHub() {
        if (tokens != null) {
            tokens.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @BeforeEach
    void capture() {
        this.logs = new CapturedLogs();
        hub.withholdTelemetryAcks(false);
        hub.refuseConnectsWith(-1);
        hub.closeSocketOnNextTelemetry(0);
        hub.reset();
    }

    @AfterEach
    void closeAndCheckLogs() {
        this.started.forEach(HubConnectionSupervisor::close);
        String token = new String(tokens.cache.track(DEVICE.tokenScope()).sasToken());
        String signature = token.substring(token.indexOf("sig=") + 4, token.indexOf('&', token.indexOf("sig=")));
        assertThat(this.logs.leakedSecrets(KEY, signature, "PLANTEDSECRET")).as("secrets in log lines").isEmpty();
        this.logs.close();
    }

    // -------------------------------------------------------------------------------------------------------------
    // Cloud-to-device messages (in-memory client: the verdict the SDK client acts on)

    static Stream<Arguments> hostileCloudToDevice() {
        Map<String, String> thousands = new LinkedHashMap<>();
        for (int i = 0; i < 10_000; i++) {
            thousands.put("p" + i, "v" + i);
        }
        String controls = "a\u0000b\r\nINFO forged line\u001b[31m\u202e";
        return Stream.of(
                Arguments.of("empty body, no id, no properties", c2d(null, new byte[0], Map.of())),
                Arguments.of("1 MiB body (16 times IoT Hub's C2D limit)", c2d("big", new byte[1 << 20], Map.of())),
                Arguments.of("10,000 properties", c2d("many", new byte[1], thousands)),
                Arguments.of("control characters in property names", c2d("ctl-name", new byte[1],
                        Map.of(controls, "v"))),
                Arguments.of("control characters and a forged log line in a value", c2d("ctl-value", new byte[1],
                        Map.of("k", controls))),
                Arguments.of("a 1 MiB property value", c2d("huge-value", new byte[1], Map.of("k", "x".repeat(1 << 20)))),
                Arguments.of("a 64 KiB message id with control characters", c2d("id\n" + "i".repeat(65_536),
                        new byte[1], Map.of())),
                Arguments.of("a message id carrying a signature", c2d("m-" + PLANTED_SECRET, new byte[1], Map.of())),
                Arguments.of("a property carrying a signature", c2d("p-sig", new byte[1],
                        Map.of("authorization", "SharedAccessSignature " + PLANTED_SECRET))),
                Arguments.of("lone surrogates and right-to-left override in the id", c2d("\ud800x\u202e\udfff",
                        new byte[1], Map.of())),
                Arguments.of("non-UTF-8 body bytes", c2d("binary", new byte[] { (byte) 0xff, (byte) 0xfe, 0, (byte) 0x80 },
                        Map.of())));
    }

    @ParameterizedTest(name = "C2D: {0}")
    @MethodSource("hostileCloudToDevice")
    void aHostileCloudToDeviceMessageReachesTheListenerOnceAndIsAcknowledged(String what,
            CloudToDeviceMessage message) {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory, b -> b);
        List<CloudToDeviceMessage> received = new ArrayList<>();
        supervisor.addCloudToDeviceListener(received::add);

        long start = System.nanoTime();
        CloudToDeviceDisposition verdict = memory.client().listener.onCloudToDevice(message);

        assertThat(verdict).isEqualTo(CloudToDeviceDisposition.TAKEN);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(received).containsExactly(message);
        ConnectionStatus status = supervisor.status();
        assertThat(status.cloudToDeviceTaken()).isEqualTo(1);
        assertThat(this.logs.lines()).noneMatch(l -> l.contains("INFO forged line") || l.contains("\u001b"));
    }

    @Test
    void aListenerThatThrowsLeavesTheMessageWithTheHubAndItsTextIsNotLogged() {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory, b -> b);
        supervisor.addCloudToDeviceListener(m -> {
            throw new IllegalStateException("cannot parse body " + PLANTED_SECRET);
        });

        CloudToDeviceDisposition verdict = memory.client().listener.onCloudToDevice(c2d("t1", new byte[1], Map.of()));

        assertThat(verdict).isEqualTo(CloudToDeviceDisposition.RETURN);
        assertThat(supervisor.status().cloudToDeviceReturned()).isEqualTo(1);
        assertThat(supervisor.status().cloudToDeviceTaken()).isZero();
        assertThat(this.logs.linesContaining("IllegalStateException")).isNotEmpty();
    }

    @Test
    void aListenerThatThrowsAnErrorLeavesTheMessageWithTheHub() {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory,
                b -> b.cloudToDeviceTimeout(Duration.ofMillis(300)));
        supervisor.addCloudToDeviceListener(m -> {
            throw new StackOverflowError();
        });

        long start = System.nanoTime();
        CloudToDeviceDisposition verdict = memory.client().listener.onCloudToDevice(c2d("t2", new byte[1], Map.of()));

        assertThat(verdict).isEqualTo(CloudToDeviceDisposition.RETURN);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aListenerThatNeverReturnsReleasesTheSdkThreadWithinTheBound() throws Exception {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory,
                b -> b.cloudToDeviceTimeout(Duration.ofMillis(300)));
        CountDownLatch release = new CountDownLatch(1);
        supervisor.addCloudToDeviceListener(m -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        long start = System.nanoTime();
        CloudToDeviceDisposition verdict = memory.client().listener.onCloudToDevice(c2d("slow", new byte[1],
                Map.of()));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        release.countDown();

        assertThat(verdict).isEqualTo(CloudToDeviceDisposition.RETURN);
        assertThat(waited).isBetween(Duration.ofMillis(250), Duration.ofSeconds(2));
    }

    @Test
    void aMessageItsListenersKeepFailingOnIsGivenUpAfterThreeDeliveries() {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory, b -> b);
        AtomicInteger calls = new AtomicInteger();
        supervisor.addCloudToDeviceListener(m -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("poison");
        });
        CloudToDeviceMessage poison = c2d("poison", new byte[1], Map.of());
        HubClientListener sdk = memory.client().listener;

        assertThat(sdk.onCloudToDevice(poison)).isEqualTo(CloudToDeviceDisposition.RETURN);
        assertThat(sdk.onCloudToDevice(poison)).isEqualTo(CloudToDeviceDisposition.RETURN);
        assertThat(sdk.onCloudToDevice(poison)).isEqualTo(CloudToDeviceDisposition.GIVE_UP);

        assertThat(calls).hasValue(3);
        ConnectionStatus status = supervisor.status();
        assertThat(status.cloudToDeviceReturned()).isEqualTo(2);
        assertThat(status.cloudToDeviceGivenUp()).isEqualTo(1);
        assertThat(this.logs.linesContaining("giving it up")).hasSize(1);
    }

    @Test
    void aFloodOfFailingMessagesKeepsTheDeliveryBookkeepingBounded() {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory, b -> b);
        supervisor.addCloudToDeviceListener(m -> {
            throw new IllegalArgumentException("always");
        });
        HubClientListener sdk = memory.client().listener;

        long start = System.nanoTime();
        for (int i = 0; i < 5000; i++) {
            assertThat(sdk.onCloudToDevice(c2d("flood-" + i, new byte[16], Map.of())))
                    .isEqualTo(CloudToDeviceDisposition.RETURN);
        }

        assertThat(supervisor.status().cloudToDeviceReturned()).isEqualTo(5000);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        // The oldest failure was forgotten (bounded memory): its next failure counts as the first again.
        assertThat(sdk.onCloudToDevice(c2d("flood-0", new byte[16], Map.of())))
                .isEqualTo(CloudToDeviceDisposition.RETURN);
        // The newest is remembered: two more failures give it up.
        assertThat(sdk.onCloudToDevice(c2d("flood-4999", new byte[16], Map.of())))
                .isEqualTo(CloudToDeviceDisposition.RETURN);
        assertThat(sdk.onCloudToDevice(c2d("flood-4999", new byte[16], Map.of())))
                .isEqualTo(CloudToDeviceDisposition.GIVE_UP);
    }

    @Test
    void aFloodOfTakenMessagesIsAcknowledgedOneByOneWithNothingLeftOver() {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory, b -> b);
        AtomicInteger received = new AtomicInteger();
        supervisor.addCloudToDeviceListener(m -> received.incrementAndGet());
        HubClientListener sdk = memory.client().listener;

        for (int i = 0; i < 10_000; i++) {
            assertThat(sdk.onCloudToDevice(c2d("ok-" + i, new byte[8], Map.of())))
                    .isEqualTo(CloudToDeviceDisposition.TAKEN);
        }

        assertThat(received).hasValue(10_000);
        assertThat(supervisor.status().cloudToDeviceTaken()).isEqualTo(10_000);
        assertThat(supervisor.status().cloudToDeviceReceived()).isEqualTo(10_000);
    }

    @Test
    void aMessageArrivingWhileClosingIsLeftWithTheHub() {
        InMemoryHub memory = new InMemoryHub();
        HubConnectionSupervisor supervisor = startInMemory(memory, b -> b);
        AtomicInteger received = new AtomicInteger();
        supervisor.addCloudToDeviceListener(m -> received.incrementAndGet());
        HubClientListener sdk = memory.client().listener;

        supervisor.close();

        assertThat(sdk.onCloudToDevice(c2d("late", new byte[1], Map.of())))
                .isEqualTo(CloudToDeviceDisposition.RETURN);
        assertThat(received).hasValue(0);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Configuration written past Kura's UI (snapshot, REST, cloud request)

    static Stream<Arguments> hostileConfiguration() {
        return Stream.of(
                Arguments.of("device.id with a line break", Map.of("device.id", "dev\nINFO forged"), "device.id"),
                Arguments.of("device.id of 129 characters", Map.of("device.id", "d".repeat(129)), "device.id"),
                Arguments.of("device.id '..'", Map.of("device.id", ".."), "device.id"),
                Arguments.of("device.id with a slash", Map.of("device.id", "a/b"), "device.id"),
                Arguments.of("module.id with a space", Map.of("module.id", "mod ule"), "module.id"),
                Arguments.of("hub.host with a scheme", Map.of("hub.host", "https://hub.azure-devices.net"),
                        "hub.host"),
                Arguments.of("hub.host with a port", Map.of("hub.host", "hub.azure-devices.net:8883"), "hub.host"),
                Arguments.of("hub.host with a path", Map.of("hub.host", "hub.azure-devices.net/devices"), "hub.host"),
                Arguments.of("hub.host with a user part", Map.of("hub.host", "me@hub.azure-devices.net"),
                        "hub.host"),
                Arguments.of("hub.host label of 64 characters", Map.of("hub.host", "h".repeat(64) + ".net"),
                        "hub.host"),
                Arguments.of("hub.host with an empty label", Map.of("hub.host", "hub..net"), "hub.host"),
                Arguments.of("hub.host with a control character", Map.of("hub.host", "hub\u0007.net"), "hub.host"),
                Arguments.of("hub.host of 300 characters", Map.of("hub.host", "a.".repeat(150) + "net"),
                        "hub.host"));
    }

    @ParameterizedTest(name = "configuration problem: {0}")
    @MethodSource("hostileConfiguration")
    void anIdentityThatCannotWorkIsAProblemInTheStatusWithoutEchoingTheValue(String what,
            Map<String, Object> override, String field) {
        Map<String, Object> config = new HashMap<>(Map.of("kura.service.pid", "hostile", "identity.source",
                "STATIC", "hub.host", "hub.azure-devices.net", "device.id", "dev-1"));
        config.putAll(override);

        ConnectionConfiguration configuration = new ConnectionConfiguration(config);

        assertThat(configuration.settings.configurationProblems()).anySatisfy(p -> {
            assertThat(p).startsWith(field);
            assertThat(p).doesNotContain("\n").doesNotContain("forged").doesNotContain("\u0007");
        });
        assertThat(configuration.staticIdentity).isNull();
    }

    static Stream<Arguments> hostileSettings() {
        return Stream.of(
                Arguments.of("keep.alive.seconds garbled with a line break", "keep.alive.seconds", "abc\nINFO forged"),
                Arguments.of("queue.capacity negative", "queue.capacity", -5),
                Arguments.of("message.timeout.seconds Long.MAX_VALUE", "message.timeout.seconds", Long.MAX_VALUE),
                Arguments.of("transport unknown", "transport", "CARRIER_PIGEON\u001b[2J"),
                Arguments.of("c2d.listener.timeout.seconds zero", "c2d.listener.timeout.seconds", 0),
                Arguments.of("renewal.reconnect.enabled not a boolean", "renewal.reconnect.enabled", "perhaps"),
                Arguments.of("reconnect.max below initial", "reconnect.max.delay.ms", 1500));
    }

    @ParameterizedTest(name = "configuration warning: {0}")
    @MethodSource("hostileSettings")
    void aValueReplacedByItsDefaultIsAWarningInTheStatusOnOneLine(String what, String key, Object value) {
        Map<String, Object> config = new HashMap<>(Map.of("kura.service.pid", "hostile", "identity.source",
                "STATIC", "hub.host", "hub.azure-devices.net", "device.id", "dev-1", "reconnect.initial.delay.ms",
                2000));
        config.put(key, value);

        ConnectionConfiguration configuration = new ConnectionConfiguration(config);
        HubConnectionSupervisor supervisor = startInMemory(new InMemoryHub(), b -> b
                .configurationWarnings(configuration.settings.configurationWarnings()));

        assertThat(configuration.settings.configurationProblems()).isEmpty();
        assertThat(supervisor.status().configurationWarnings()).singleElement().satisfies(w -> {
            assertThat(w).startsWith(key.equals("reconnect.max.delay.ms") ? "reconnect.max.delay.ms" : key);
            assertThat(w).doesNotContain("\n").doesNotContain("\u001b").hasSizeLessThanOrEqualTo(210);
        });
    }

    // -------------------------------------------------------------------------------------------------------------
    // A hub that misbehaves (real Azure SDK against the emulator)

    @Test
    void aHubThatNeverAcknowledgesTimesMessagesOutWithinTheTimeoutAndKeepsTheQueueBounded() throws Exception {
        HubConnectionSupervisor supervisor = startSdk(b -> b.queueCapacity(5)
                .messageTimeout(Duration.ofSeconds(2)).tickInterval(Duration.ofMillis(100)));
        await().atMost(Duration.ofSeconds(30)).until(supervisor::state, s -> s == ConnectionState.CONNECTED);
        hub.withholdTelemetryAcks(true);

        List<CompletableFuture<MessageReceipt>> sends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sends.add(supervisor.send(TelemetryMessage.ofJson("{}")).toCompletableFuture());
        }
        SendException full = failureOf(supervisor.send(TelemetryMessage.ofJson("{}")).toCompletableFuture(),
                Duration.ofSeconds(1));
        assertThat(full.failure()).isEqualTo(SendFailure.QUEUE_FULL);
        long start = System.nanoTime();
        for (CompletableFuture<MessageReceipt> send : sends) {
            assertThat(failureOf(send, Duration.ofSeconds(5)).failure()).isEqualTo(SendFailure.TIMED_OUT);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(supervisor.status().queueDepth() + supervisor.status().inFlight()).isZero();

        hub.withholdTelemetryAcks(false);
        assertThat(supervisor.send(TelemetryMessage.ofJson("{}")).toCompletableFuture().get(20, TimeUnit.SECONDS))
                .isNotNull();
    }

    @ParameterizedTest(name = "CONNACK return code {0}")
    @ValueSource(ints = { 1, 2, 3, 4, 5, 0x80, 0x87 })
    void anUnexpectedConnackIsClassifiedAndRetriedWithBackoffNotInAHotLoop(int returnCode) {
        hub.refuseConnectsWith(returnCode);
        HubConnectionSupervisor supervisor = startSdk(b -> b);

        await().atMost(Duration.ofSeconds(20)).until(() -> hub.counters().connectAttempts(DEVICE.deviceId()) >= 1
                && supervisor.state() == ConnectionState.BACKING_OFF);
        ConnectionReason reason = supervisor.status().reason();
        assertThat(reason).isIn(Set.of(ConnectionReason.BAD_CREDENTIAL, ConnectionReason.COMMUNICATION_ERROR,
                ConnectionReason.NO_NETWORK));
        if (returnCode == 4 || returnCode == 5) {
            assertThat(reason).isEqualTo(ConnectionReason.BAD_CREDENTIAL);
        }
        long before = hub.counters().connectAttempts(DEVICE.deviceId());
        // Backoff 250 ms doubling to 2 s: at most a handful of attempts in 3 s, never a loop at network speed.
        await("at most 8 CONNECTs throughout a 3 s window").during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(4))
                .until(() -> hub.counters().connectAttempts(DEVICE.deviceId()) - before <= 8);

        hub.refuseConnectsWith(-1);
        await().atMost(Duration.ofSeconds(20)).until(supervisor::state, s -> s == ConnectionState.CONNECTED);
    }

    @Test
    void aHubThatClosesTheSocketMidPublishGetsTheMessageAgainOnTheNextConnection() throws Exception {
        HubConnectionSupervisor supervisor = startSdk(b -> b);
        await().atMost(Duration.ofSeconds(30)).until(supervisor::state, s -> s == ConnectionState.CONNECTED);
        hub.closeSocketOnNextTelemetry(1);

        MessageReceipt receipt = supervisor.send(TelemetryMessage.ofJson("{\"mid\":\"publish\"}"))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(hub.messages(DEVICE.deviceId())).filteredOn(m -> m.messageId().equals(receipt.messageId()))
                .hasSizeGreaterThanOrEqualTo(1);
        assertThat(supervisor.status().unplannedReconnects()).isGreaterThanOrEqualTo(1);
        assertThat(supervisor.status().messagesFailed()).isZero();
    }

    @Test
    void overMqttAMessageAListenerFailedOnIsNotAcknowledgedAndComesBackAfterTheReconnect() throws Exception {
        HubConnectionSupervisor supervisor = startSdk(b -> b);
        AtomicInteger attempts = new AtomicInteger();
        List<String> taken = new java.util.concurrent.CopyOnWriteArrayList<>();
        CloudToDeviceListener flaky = m -> {
            if (m.messageId().orElse("").equals("c2d-retry") && attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("database not ready");
            }
            taken.add(m.messageId().orElse("?"));
        };
        supervisor.addCloudToDeviceListener(flaky);
        await().atMost(Duration.ofSeconds(30)).until(supervisor::state, s -> s == ConnectionState.CONNECTED);

        io.azurekura.connector.testsupport.hub.CloudToDeviceMessage retried = hub.sendCloudToDevice(
                DEVICE.deviceId(), "first".getBytes(StandardCharsets.UTF_8), Map.of("$.mid", "c2d-retry"));
        await().atMost(Duration.ofSeconds(10)).until(() -> supervisor.status().cloudToDeviceReturned() == 1);
        // The SDK handles C2D one at a time: once the next message is acknowledged, the first one's PUBACK would
        // have been sent before it.
        io.azurekura.connector.testsupport.hub.CloudToDeviceMessage next = hub.sendCloudToDevice(DEVICE.deviceId(),
                "second".getBytes(StandardCharsets.UTF_8), Map.of("$.mid", "c2d-next"));
        next.acknowledged().get(10, TimeUnit.SECONDS);
        assertThat(retried.acknowledged()).as("PUBACK for the message the listener failed on").isNotDone();

        hub.dropConnection(DEVICE.deviceId());

        retried.acknowledged().get(30, TimeUnit.SECONDS);
        assertThat(retried.deliveries()).isEqualTo(2);
        assertThat(taken).containsExactly("c2d-next", "c2d-retry");
    }

    // -------------------------------------------------------------------------------------------------------------

    private HubConnectionSupervisor startSdk(java.util.function.UnaryOperator<SupervisorSettings.Builder> tune) {
        SupervisorSettings settings = tune.apply(SupervisorSettings.builder("hostile-sdk",
                new ExponentialBackoff(Duration.ofMillis(250), Duration.ofSeconds(2), Duration.ofSeconds(2),
                        this.random::nextDouble))
                .transport(Transport.MQTT).keepAliveSeconds(30).renewalJitter(Duration.ofSeconds(1))
                .closeTimeout(Duration.ofSeconds(5))).build();
        HubConnectionSupervisor supervisor = new HubConnectionSupervisor(settings, new AzureSdkClientFactory(),
                tokens.cache, IdentityResolver.fixed(DEVICE),
                () -> TrustContexts.fromKeyStore(TestPki.shared().trustStore()), new PlannedReconnectGate(),
                ConnectRateLimiter.UNLIMITED, SupervisorExecutors.DEDICATED, Clock.SYSTEM, this.random::nextDouble);
        this.started.add(supervisor);
        supervisor.start();
        return supervisor;
    }

    private HubConnectionSupervisor startInMemory(InMemoryHub memory,
            java.util.function.UnaryOperator<SupervisorSettings.Builder> tune) {
        SupervisorSettings settings = tune.apply(SupervisorSettings.builder("hostile-memory",
                new ExponentialBackoff(Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(200),
                        () -> 0.5))
                .tickInterval(Duration.ofMillis(50)).closeTimeout(Duration.ofSeconds(2))).build();
        HubConnectionSupervisor supervisor = new HubConnectionSupervisor(settings, memory, tokens.cache,
                IdentityResolver.fixed(DEVICE), TrustProvider.SYSTEM, new PlannedReconnectGate(), Clock.SYSTEM,
                () -> 0.5);
        this.started.add(supervisor);
        supervisor.start();
        if (settings.configurationProblems().isEmpty()) {
            await().atMost(Duration.ofSeconds(10)).until(supervisor::state, s -> s == ConnectionState.CONNECTED);
        }
        return supervisor;
    }

    private static CloudToDeviceMessage c2d(String id, byte[] body, Map<String, String> properties) {
        return new CloudToDeviceMessage(DEVICE, body, id, null, null, null, properties, java.time.Instant.now());
    }

    private static SendException failureOf(CompletableFuture<MessageReceipt> send, Duration timeout) {
        try {
            send.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SendException.class);
            return (SendException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError("no classified failure within " + timeout, e);
        }
        throw new AssertionError("the send succeeded");
    }

    /** Clients that connect at once and acknowledge every message; the test plays the SDK's receive thread. */
    private static final class InMemoryHub implements HubClientFactory {

        private final List<InMemoryClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public HubClient create(ClientSpec spec, HubClientListener listener) {
            InMemoryClient client = new InMemoryClient(listener);
            this.clients.add(client);
            return client;
        }

        @Override
        public Optional<String> problemWith(TelemetryMessage message) {
            return Optional.empty();
        }

        InMemoryClient client() {
            await().atMost(Duration.ofSeconds(5)).until(() -> !this.clients.isEmpty());
            return this.clients.get(this.clients.size() - 1);
        }
    }

    private static final class InMemoryClient implements HubClient {

        final HubClientListener listener;

        InMemoryClient(HubClientListener listener) {
            this.listener = listener;
        }

        @Override
        public void open() {
            this.listener.onStatus(ClientStatus.CONNECTED, ConnectionReason.CONNECTION_OK, null);
        }

        @Override
        public void send(TelemetryMessage message, Consumer<SendResult> onResult) {
            onResult.accept(SendResult.ACKNOWLEDGED);
        }

        @Override
        public void close() {
            this.listener.onStatus(ClientStatus.DISCONNECTED, ConnectionReason.CLIENT_CLOSE, null);
        }
    }
}
