package io.azurekura.connector.hub.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.hub.HubTransport;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * AMQP renews tokens in place: the real Azure SDK sends CBS put-tokens on the open connection, fed by the real token
 * cache, against the IoT Hub emulator on 127.0.0.1:5671 (and 8883 for the MQTT identity) with no expiry grace.
 * <p>
 * Tokens live 10 s, with the cache's default renewal at 80 % (minus up to 5 % jitter). Shorter is not safe with the
 * SDK itself: it renews at 85 % of the remaining life counted in whole seconds ({@code se - floor(now)}), so its
 * put-token goes out {@code 0.15 R - 0.85 s} before expiry at worst, which is negative for a token handed over with
 * less than about 6 s left (with real lifetimes of minutes to hours the margin is minutes).
 */
class AmqpRenewalEndToEndTest {

    private static final Duration LIFETIME = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final LoopbackHub HUB = new LoopbackHub(Duration.ZERO);

    private static IotHubEmulator hub() {
        return HUB.emulator();
    }

    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private TestGateway gateway;

    @BeforeEach
    void newGateway() {
        hub().reset();
        this.gateway = new TestGateway(new SigningTokenChain(this::keyOf, scope -> LIFETIME, 0.8, 4,
                Duration.ofSeconds(2)), 50, 10);
    }

    @AfterEach
    void closeGateway() {
        this.gateway.close();
    }

    private String keyOf(TokenScope scope) {
        return this.keys.get(scope.deviceId());
    }

    private HubConnectionSupervisor connect(String deviceId, Transport transport, boolean multiplexed) {
        String key = SasSigner.newKey();
        this.keys.put(deviceId, key);
        hub().addDevice(deviceId, key);
        return this.gateway.connect(deviceId, transport, multiplexed);
    }

    /** Sends one message per identity every 200 ms until stopped; returns every send's future. */
    private static Sender sendContinuously(List<HubConnectionSupervisor> connections) {
        Sender sender = new Sender();
        AtomicInteger counter = new AtomicInteger();
        sender.executor.scheduleAtFixedRate(() -> connections.forEach(connection -> sender.sent.add(connection.send(
                TelemetryMessage.ofJson("{\"n\":" + counter.incrementAndGet() + "}")).toCompletableFuture())), 0, 200,
                TimeUnit.MILLISECONDS);
        return sender;
    }

    private static final class Sender {
        final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        final List<CompletableFuture<MessageReceipt>> sent = new CopyOnWriteArrayList<>();

        /** Stops sending and waits for every receipt. */
        Set<String> stopAndAwaitReceipts() throws Exception {
            this.executor.shutdown();
            assertThat(this.executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture.allOf(this.sent.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
            return this.sent.stream().map(CompletableFuture::join).map(MessageReceipt::messageId)
                    .collect(Collectors.toSet());
        }
    }

    private static Set<String> messageIdsAtHub() {
        return hub().messages().stream().map(io.azurekura.connector.testsupport.hub.TelemetryMessage::messageId)
                .collect(Collectors.toSet());
    }

    @Test
    void amqpIdentitiesRenewInPlaceOverFiveTokenLifetimesWithoutReconnects() throws Exception {
        HubConnectionSupervisor single = connect("amqp-single", Transport.AMQPS, false);
        HubConnectionSupervisor first = connect("amqp-mux-1", Transport.AMQPS, true);
        HubConnectionSupervisor second = connect("amqp-mux-2", Transport.AMQPS, true);
        List<HubConnectionSupervisor> all = List.of(single, first, second);
        await().atMost(CONNECT_TIMEOUT).until(() -> all.stream().allMatch(c -> c.state() == ConnectionState.CONNECTED));
        Instant start = Instant.now();
        Sender sender = sendContinuously(all);

        await().atMost(LIFETIME.multipliedBy(7)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Duration.between(start, Instant.now()).compareTo(LIFETIME.multipliedBy(5)) >= 0
                        && all.stream().allMatch(c -> hub().counters().renewals(c.status().name()) >= 5));
        Set<String> acknowledged = sender.stopAndAwaitReceipts();

        for (HubConnectionSupervisor connection : all) {
            String id = connection.status().name();
            ConnectionStatus status = connection.status();
            assertThat(hub().counters().connects(id)).as("hub-side connections of %s", id).isEqualTo(1);
            assertThat(hub().counters().expiryDrops(id)).as("expiry drops of %s", id).isZero();
            // Every put-token after the first was a renewal in place. Renewals go on while we look, and the hub
            // counts a put-token and its renewal one after the other: compare at a moment between two renewals.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(hub().counters().putTokens(id))
                    .as("put-tokens of %s", id).isEqualTo(hub().counters().renewals(id) + 1));
            assertThat(status.connects()).isEqualTo(1);
            assertThat(status.unplannedReconnects()).isZero();
            assertThat(status.plannedReconnects()).isZero();
            assertThat(status.messagesFailed()).isZero();
            assertThat(hub().connectionEvents(id)).extracting(ConnectionEvent::kind)
                    .containsExactly(ConnectionEvent.Kind.CONNECTED);
        }
        // One connection for the single identity, one shared by the two multiplexed ones; none was replaced.
        assertThat(hub().counters().amqpConnections()).isEqualTo(2);
        assertThat(hub().openAmqpConnections()).isEqualTo(2);
        assertThat(this.gateway.multiplexed.connectionCount()).isEqualTo(1);
        assertThat(sender.sent).hasSize(acknowledged.size());
        assertThat(messageIdsAtHub()).containsAll(acknowledged);
    }

    @Test
    void mqttAndAmqpIdentitiesRunSideBySideOnOneGateway() throws Exception {
        HubConnectionSupervisor mqtt = connect("side-mqtt", Transport.MQTT, false);
        HubConnectionSupervisor amqp = connect("side-amqp", Transport.AMQPS, false);
        HubConnectionSupervisor multiplexed = connect("side-amqp-mux", Transport.AMQPS, true);
        List<HubConnectionSupervisor> all = List.of(mqtt, amqp, multiplexed);
        await().atMost(CONNECT_TIMEOUT).until(() -> all.stream().allMatch(c -> c.state() == ConnectionState.CONNECTED));
        Sender sender = sendContinuously(all);

        // Each transport renews its own way: MQTT by a planned reconnect, AMQP by put-tokens in place.
        await().atMost(LIFETIME.multipliedBy(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> mqtt.status().plannedReconnects() >= 1 && hub().counters().renewals("side-amqp") >= 1
                        && hub().counters().renewals("side-amqp-mux") >= 1);
        Set<String> acknowledged = sender.stopAndAwaitReceipts();

        assertThat(hub().connectionEvents("side-mqtt")).extracting(ConnectionEvent::transport)
                .containsOnly(HubTransport.MQTT);
        assertThat(hub().connectionEvents("side-amqp")).extracting(ConnectionEvent::transport)
                .containsOnly(HubTransport.AMQPS);
        assertThat(hub().connectionEvents("side-amqp-mux")).extracting(ConnectionEvent::transport)
                .containsOnly(HubTransport.AMQPS);
        assertThat(hub().counters().expiryDrops()).isZero();
        // One hub connection per planned reconnect; read both at a moment when no reconnect is under way.
        await().atMost(Duration.ofSeconds(20)).until(() -> mqtt.state() == ConnectionState.CONNECTED
                && hub().counters().connects("side-mqtt") == mqtt.status().plannedReconnects() + 1);
        assertThat(hub().counters().connects("side-amqp")).isEqualTo(1);
        assertThat(hub().counters().connects("side-amqp-mux")).isEqualTo(1);
        assertThat(hub().counters().putTokens("side-mqtt")).isZero();
        assertThat(all).allSatisfy(c -> assertThat(c.status().messagesFailed()).isZero());
        assertThat(Set.copyOf(hub().messages().stream().map(m -> m.clientId()).toList()))
                .containsExactlyInAnyOrder("side-mqtt", "side-amqp", "side-amqp-mux");
        assertThat(messageIdsAtHub()).containsAll(acknowledged);
        assertThat(sender.sent).hasSize(acknowledged.size());
    }
}
