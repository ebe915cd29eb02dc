package io.azurekura.connector.hub.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.hub.DisconnectReason;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * A token server outage longer than one identity's token life, with two identities multiplexed on one AMQP
 * connection: the hub detaches only the identity whose token lapsed; the connection and the other identity carry
 * on, and the lapsed identity comes back on the same connection once the token server answers again.
 */
class AmqpTokenLapseEndToEndTest {

    private static final Duration SHORT_LIFE = Duration.ofSeconds(10);
    private static final Duration LONG_LIFE = Duration.ofMinutes(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final LoopbackHub HUB = new LoopbackHub(Duration.ZERO);

    private static IotHubEmulator hub() {
        return HUB.emulator();
    }

    @Test
    void onlyTheIdentityWhoseTokenLapsedIsDetachedAndItRecoversWhenTheTokenServerReturns() throws Exception {
        Map<String, String> keys = Map.of("lapse-short", SasSigner.newKey(), "lapse-long", SasSigner.newKey());
        keys.forEach(hub()::addDevice);
        SigningTokenChain tokens = new SigningTokenChain(scope -> keys.get(scope.deviceId()),
                scope -> scope.deviceId().equals("lapse-short") ? SHORT_LIFE : LONG_LIFE, 0.8, 4,
                Duration.ofSeconds(2));
        try (TestGateway gateway = new TestGateway(tokens, 50, 10)) {
            HubConnectionSupervisor lapsing = gateway.connect("lapse-short", Transport.AMQPS, true);
            HubConnectionSupervisor steady = gateway.connect("lapse-long", Transport.AMQPS, true);
            List<HubConnectionSupervisor> both = List.of(lapsing, steady);
            await().atMost(CONNECT_TIMEOUT).until(() -> both.stream()
                    .allMatch(c -> c.state() == ConnectionState.CONNECTED));

            List<CompletableFuture<MessageReceipt>> sent = new CopyOnWriteArrayList<>();
            ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
            sender.scheduleAtFixedRate(() -> both.forEach(c -> sent.add(c.send(TelemetryMessage.ofJson(
                    "{\"from\":\"" + c.status().name() + "\"}")).toCompletableFuture())), 0, 250,
                    TimeUnit.MILLISECONDS);

            // The token server goes down for longer than the short token lives.
            tokens.outage(true);
            Instant outageStart = Instant.now();
            await().atMost(SHORT_LIFE.plusSeconds(10)).until(() -> hub().counters().expiryDrops("lapse-short") == 1);
            assertThat(hub().isConnectedOverAmqp("lapse-long")).isTrue();
            await().atMost(SHORT_LIFE.plusSeconds(5)).until(() -> Duration.between(outageStart, Instant.now())
                    .compareTo(SHORT_LIFE.plusSeconds(1)) > 0);
            assertThat(lapsing.state()).isNotEqualTo(ConnectionState.CONNECTED);
            assertThat(steady.state()).isEqualTo(ConnectionState.CONNECTED);
            tokens.outage(false);

            await().atMost(CONNECT_TIMEOUT).until(() -> lapsing.state() == ConnectionState.CONNECTED);
            sender.shutdown();
            assertThat(sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);

            assertThat(hub().counters().expiryDrops("lapse-short")).isEqualTo(1);
            assertThat(hub().counters().expiryDrops("lapse-long")).isZero();
            assertThat(hub().connectionEvents("lapse-short")).filteredOn(e -> e.kind() == ConnectionEvent.Kind
                    .DISCONNECTED).extracting(ConnectionEvent::disconnectReason)
                    .contains(DisconnectReason.TOKEN_EXPIRED);
            assertThat(hub().connectionEvents("lapse-long")).extracting(ConnectionEvent::kind)
                    .containsExactly(ConnectionEvent.Kind.CONNECTED);
            assertThat(steady.status().connects()).isEqualTo(1);
            assertThat(steady.status().unplannedReconnects()).isZero();
            assertThat(lapsing.status().unplannedReconnects()).isGreaterThanOrEqualTo(1);
            assertThat(hub().counters().connects("lapse-short")).isGreaterThanOrEqualTo(2);
            // The shared connection survived: the lapsed identity re-joined it.
            assertThat(hub().counters().amqpConnections()).isEqualTo(1);
            assertThat(hub().openAmqpConnections()).isEqualTo(1);
            Set<String> acknowledged = sent.stream().map(CompletableFuture::join).map(MessageReceipt::messageId)
                    .collect(Collectors.toSet());
            assertThat(hub().messages().stream().map(m -> m.messageId()).collect(Collectors.toSet()))
                    .containsAll(acknowledged);
            assertThat(both).allSatisfy(c -> assertThat(c.status().messagesFailed()).isZero());
        }
    }
}
