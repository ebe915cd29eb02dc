package io.azurekura.connector.hub.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.hub.trust.TrustProvider;

/** Many supervisors on the gateway's shared pool, behind the gateway's connect rate limit. */
class SharedLanesSupervisorTest {

    private static final int CONNECTIONS = 12;

    private final FakeTokenCache cache = new FakeTokenCache();
    private final FakeHub hub = new FakeHub();
    private final SharedSupervisorPool pool = new SharedSupervisorPool(2, 1);
    private final List<HubConnectionSupervisor> started = new ArrayList<>();

    @AfterEach
    void closeAll() {
        this.started.forEach(HubConnectionSupervisor::close);
    }

    private HubConnectionSupervisor start(String deviceId, ConnectRateLimiter limiter) {
        HubIdentity identity = HubIdentity.device("hub.example.net", deviceId, IdentitySource.STATIC);
        this.cache.issue(identity.tokenScope(), Duration.ofHours(1));
        HubConnectionSupervisor supervisor = new HubConnectionSupervisor(SupervisorSettings.builder(deviceId,
                new ExponentialBackoff(Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(200),
                        () -> 0.5)).tickInterval(Duration.ofMillis(50)).closeTimeout(Duration.ofSeconds(2)).build(),
                this.hub, this.cache, IdentityResolver.fixed(identity), TrustProvider.SYSTEM,
                new PlannedReconnectGate(), limiter, this.pool, Clock.SYSTEM, () -> 0.5);
        this.started.add(supervisor);
        supervisor.start();
        return supervisor;
    }

    private static List<String> poolThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(NamedThreadFactory.PREFIX + "hub-")).collect(Collectors.toList());
    }

    @Test
    void connectionsArriveAtTheGatewaysRateOnAFixedSetOfThreadsThatStopWithTheLastConnection() throws Exception {
        ConnectRateLimiter limiter = new ConnectRateLimiter(Clock.SYSTEM, 20, 2);
        long start = System.nanoTime();
        for (int i = 0; i < CONNECTIONS; i++) {
            start("dev" + i, limiter);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> this.started.stream()
                .allMatch(s -> s.state() == ConnectionState.CONNECTED));
        // 2 at once, then 20/s: the last of 12 cannot open before 10 slots of 50 ms have passed.
        long lastOpen = this.hub.clients.stream().mapToLong(c -> c.createdAtNanos).max().orElseThrow();
        assertThat(Duration.ofNanos(lastOpen - start)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
        assertThat(this.hub.clients).hasSize(CONNECTIONS);
        for (HubConnectionSupervisor supervisor : this.started) {
            supervisor.send(TelemetryMessage.ofJson("{}")).toCompletableFuture().get();
        }
        assertThat(poolThreads()).hasSizeLessThanOrEqualTo(1 + 2 + 1).noneMatch(n -> n.contains("supervisor"));
        assertThat(this.pool.users()).isEqualTo(CONNECTIONS);

        this.started.forEach(HubConnectionSupervisor::close);

        assertThat(this.pool.users()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> poolThreads().isEmpty());
    }

    @Test
    void aConnectionWaitingForItsSlotSaysSo() {
        ConnectRateLimiter limiter = new ConnectRateLimiter(Clock.SYSTEM, 1, 1);
        limiter.reserveMillis(); // the burst is used up: the next slot is a second away
        HubConnectionSupervisor supervisor = start("slow", limiter);

        await().atMost(Duration.ofSeconds(2)).until(() -> supervisor.status().detail().orElse("")
                .contains("connect rate limit"));
        assertThat(supervisor.state()).isEqualTo(ConnectionState.CONNECTING);
        assertThat(this.hub.clients).isEmpty();
        // Not even the token is asked for before the slot: a restart must not storm the token server either.
        assertThat(this.cache.openHandles(HubIdentity.device("hub.example.net", "slow", IdentitySource.STATIC)
                .tokenScope())).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> supervisor.state() == ConnectionState.CONNECTED);
        assertThat(this.hub.clients).hasSize(1);
    }
}
