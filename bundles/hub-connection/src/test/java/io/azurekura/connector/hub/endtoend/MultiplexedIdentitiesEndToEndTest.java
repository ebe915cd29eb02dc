package io.azurekura.connector.hub.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Many identities on one gateway: 120 device identities multiplexed over one AMQP connection by the real SDK, each
 * with its own token from the shared cache, all connected (at the gateway's connect rate), all sending, all renewing
 * their tokens in place; the threads this takes do not grow with the number of identities.
 */
class MultiplexedIdentitiesEndToEndTest {

    private static final Logger LOG = LoggerFactory.getLogger(MultiplexedIdentitiesEndToEndTest.class);
    private static final int IDENTITIES = 120;
    private static final Duration LIFETIME = Duration.ofSeconds(10);

    @RegisterExtension
    static final LoopbackHub HUB = new LoopbackHub(Duration.ZERO);

    private static IotHubEmulator hub() {
        return HUB.emulator();
    }

    @Test
    void manyIdentitiesShareOneConnectionSendAndRenewInPlace() throws Exception {
        Map<String, String> keys = new ConcurrentHashMap<>();
        for (int i = 0; i < IDENTITIES; i++) {
            String id = String.format("mux-%03d", i);
            keys.put(id, SasSigner.newKey());
            hub().addDevice(id, keys.get(id));
        }
        SigningTokenChain tokens = new SigningTokenChain(scope -> keys.get(scope.deviceId()), scope -> LIFETIME, 0.8,
                4, Duration.ofSeconds(2));
        try (TestGateway gateway = new TestGateway(tokens, 50, 20)) {
            long start = System.nanoTime();
            List<HubConnectionSupervisor> connections = new ArrayList<>();
            keys.keySet().stream().sorted().forEach(id -> connections.add(gateway.connect(id, Transport.AMQPS, true)));

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> connections
                    .stream().allMatch(c -> c.state() == ConnectionState.CONNECTED));
            Duration connectAll = Duration.ofNanos(System.nanoTime() - start);
            List<CompletableFuture<MessageReceipt>> sent = new ArrayList<>();
            connections.forEach(c -> sent.add(c.send(TelemetryMessage.ofJson("{\"round\":1}")).toCompletableFuture()));

            await().atMost(LIFETIME.multipliedBy(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> keys.keySet().stream().allMatch(id -> hub().counters().renewals(id) >= 1));
            connections.forEach(c -> sent.add(c.send(TelemetryMessage.ofJson("{\"round\":2}")).toCompletableFuture()));
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);

            List<String> ours = threads(name -> !name.contains("-sdk-"));
            List<String> sdk = threads(name -> name.contains("-sdk-"));
            LOG.info("{} identities connected in {} ms over {} AMQP connection(s); {} token fetches; threads: {} ours "
                    + "{}, {} SDK", IDENTITIES, connectAll.toMillis(), hub().counters().amqpConnections(),
                    tokens.fetches.get(), ours.size(), ours, sdk.size());

            assertThat(hub().counters().amqpConnections()).isEqualTo(1);
            assertThat(hub().openAmqpConnections()).isEqualTo(1);
            assertThat(gateway.multiplexed.connectionCount()).isEqualTo(1);
            assertThat(gateway.multiplexed.memberCount()).isEqualTo(IDENTITIES);
            assertThat(hub().connectedClientIds()).containsAll(keys.keySet());
            assertThat(hub().counters().expiryDrops()).isZero();
            assertThat(hub().counters().authFailures()).isZero();
            assertThat(keys.keySet()).allSatisfy(id -> {
                assertThat(hub().counters().connects(id)).isEqualTo(1);
                assertThat(hub().counters().renewals(id)).isGreaterThanOrEqualTo(1);
                assertThat(hub().messages(id)).hasSize(2);
            });
            assertThat(connections).allSatisfy(c -> assertThat(c.status().unplannedReconnects()).isZero());
            // One shared pool, one registrar and the test's token chain: a fixed set, not two threads per identity.
            assertThat(ours).hasSizeLessThanOrEqualTo(20);
            assertThat(sdk).hasSizeLessThanOrEqualTo(10);
            assertThat(sent).allSatisfy(f -> assertThat(f).isCompleted());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> threads(name -> true).isEmpty());
    }

    @Test
    void aLostConnectionComesBackWithEveryIdentityOnIt() throws Exception {
        String key = SasSigner.newKey();
        List<String> ids = List.of("drop-1", "drop-2", "drop-3");
        ids.forEach(id -> hub().addDevice(id, key));
        SigningTokenChain tokens = new SigningTokenChain(scope -> key, scope -> Duration.ofHours(1), 0.8, 4,
                Duration.ofSeconds(2));
        try (TestGateway gateway = new TestGateway(tokens, 50, 20)) {
            List<HubConnectionSupervisor> connections = ids.stream()
                    .map(id -> gateway.connect(id, Transport.AMQPS, true)).toList();
            await().atMost(Duration.ofSeconds(30)).until(() -> connections.stream()
                    .allMatch(c -> c.state() == ConnectionState.CONNECTED));
            long connectionsBefore = hub().counters().amqpConnections();
            List<ConnectionReason> reasons = new CopyOnWriteArrayList<>();
            connections.forEach(c -> c.addConnectionListener(event -> reasons.add(event.reason())));

            assertThat(hub().dropAmqpConnections()).isEqualTo(1);

            // The SDK reconnects the shared connection and re-authenticates every identity on it.
            await().atMost(Duration.ofSeconds(30)).until(() -> connections.stream()
                    .allMatch(c -> c.status().unplannedReconnects() == 1 && c.state() == ConnectionState.CONNECTED)
                    && ids.stream().allMatch(hub()::isConnectedOverAmqp));
            for (HubConnectionSupervisor connection : connections) {
                connection.send(TelemetryMessage.ofJson("{\"after\":\"drop\"}")).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
            }
            // Reported as what it was, a lost connection, not as a close of ours.
            assertThat(reasons).contains(ConnectionReason.NO_NETWORK).doesNotContain(ConnectionReason.CLIENT_CLOSE);
            assertThat(hub().counters().amqpConnections()).isEqualTo(connectionsBefore + 1);
            assertThat(hub().openAmqpConnections()).isEqualTo(1);
            assertThat(gateway.multiplexed.connectionCount()).isEqualTo(1);
        }
    }

    private static List<String> threads(java.util.function.Predicate<String> filter) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith(NamedThreadFactory.PREFIX)).filter(filter).sorted()
                .collect(Collectors.toList());
    }
}
