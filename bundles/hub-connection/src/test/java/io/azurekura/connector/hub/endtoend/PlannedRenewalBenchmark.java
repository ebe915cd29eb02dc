package io.azurekura.connector.hub.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.transport.IotHubConnectionStatus;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.hub.sdk.AzureSdkClientFactory;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.hub.supervisor.PlannedReconnectGate;
import io.azurekura.connector.hub.supervisor.SupervisorSettings;
import io.azurekura.connector.hub.trust.TrustContexts;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Figures, not a test: side by side over one window with short tokens, the SDK's own MQTT behaviour (a plain token
 * provider fed by the same cache, no proactive reconnect) and the connection manager. Not run by default (the name
 * does not end in Test); run with {@code mvn -pl bundles/hub-connection test -Dtest=PlannedRenewalBenchmark}.
 */
class PlannedRenewalBenchmark {

    private static final Duration LIFETIME = Duration.ofSeconds(10);
    /** IoT Hub's grace is up to ~10 minutes; scaled down with the lifetime. */
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final long SEND_EVERY_MILLIS = 100;
    private static final Duration DELAYED = Duration.ofSeconds(1);

    @Test
    void sdkDefaultVersusConnectionManager() throws Exception {
        SecureRandom random = new SecureRandom();
        try (IotHubEmulator hub = LoopbackHub.start(GRACE)) {
            String sdkKey = SasSigner.newKey();
            String managerKey = SasSigner.newKey();
            hub.addDevice("bench-sdk-default", sdkKey).addDevice("bench-manager", managerKey);
            try (SigningTokenChain sdkChain = new SigningTokenChain(sdkKey, LIFETIME, Duration.ofSeconds(2));
                    SigningTokenChain managerChain = new SigningTokenChain(managerKey, LIFETIME,
                            Duration.ofSeconds(2))) {
                HubIdentity sdkIdentity = HubIdentity.device("localhost", "bench-sdk-default", IdentitySource.STATIC);
                HubIdentity managerIdentity = HubIdentity.device("localhost", "bench-manager", IdentitySource.STATIC);

                // The SDK alone: a plain provider reading the cache, MQTT, default retry policy.
                ManagedToken sdkToken = sdkChain.cache.track(sdkIdentity.tokenScope());
                assertThat(sdkToken.awaitValid(Duration.ofSeconds(10))).isTrue();
                DeviceClient sdk = new DeviceClient("localhost", "bench-sdk-default", sdkToken::sasToken,
                        IotHubClientProtocol.MQTT,
                        ClientOptions.builder().sslContext(TestPki.shared().clientSslContext()).build());
                DisconnectedClock sdkDown = new DisconnectedClock();
                sdk.setConnectionStatusChangeCallback(c -> sdkDown.update(
                        c.getNewStatus() == IotHubConnectionStatus.CONNECTED), null);
                sdk.open(true);

                HubConnectionSupervisor manager = new HubConnectionSupervisor(
                        SupervisorSettings.builder("bench-manager", new ExponentialBackoff(Duration.ofMillis(250),
                                Duration.ofSeconds(2), Duration.ofSeconds(2), random::nextDouble))
                                .renewalJitter(Duration.ofSeconds(1)).build(),
                        new AzureSdkClientFactory(), managerChain.cache, IdentityResolver.fixed(managerIdentity),
                        () -> TrustContexts.fromKeyStore(TestPki.shared().trustStore()), new PlannedReconnectGate(),
                        Clock.SYSTEM, random::nextDouble);
                manager.start();
                await().atMost(Duration.ofSeconds(30)).until(manager::state, s -> s == ConnectionState.CONNECTED);
                hub.reset();

                List<CompletableFuture<Duration>> sdkSends = new CopyOnWriteArrayList<>();
                List<CompletableFuture<MessageReceipt>> managerSends = new CopyOnWriteArrayList<>();
                ScheduledExecutorService senders = Executors.newScheduledThreadPool(2);
                senders.scheduleAtFixedRate(() -> {
                    CompletableFuture<Duration> done = new CompletableFuture<>();
                    long start = System.nanoTime();
                    try {
                        sdk.sendEventAsync(new Message("{\"leg\":\"sdk\"}".getBytes(StandardCharsets.UTF_8)),
                                (m, error, ctx) -> {
                                    if (error == null) {
                                        done.complete(Duration.ofNanos(System.nanoTime() - start));
                                    } else {
                                        done.completeExceptionally(error);
                                    }
                                }, null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                    sdkSends.add(done);
                }, 0, SEND_EVERY_MILLIS, TimeUnit.MILLISECONDS);
                senders.scheduleAtFixedRate(() -> managerSends.add(manager.send(
                        TelemetryMessage.ofJson("{\"leg\":\"manager\"}")).toCompletableFuture()), 0,
                        SEND_EVERY_MILLIS, TimeUnit.MILLISECONDS);

                long windowStart = System.nanoTime();
                await().atMost(WINDOW.plusSeconds(5)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> System.nanoTime() - windowStart >= WINDOW.toNanos());
                senders.shutdown();
                assertThat(senders.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
                // Let what was submitted finish (or fail) before counting.
                await().atMost(Duration.ofMinutes(5)).until(() -> sdkSends.stream().allMatch(CompletableFuture::isDone)
                        && managerSends.stream().allMatch(CompletableFuture::isDone));

                List<Duration> sdkLatencies = new ArrayList<>();
                long sdkLost = sdkSends.stream().filter(f -> f.isCompletedExceptionally()).count();
                sdkSends.stream().filter(f -> !f.isCompletedExceptionally()).forEach(f -> sdkLatencies.add(f.join()));
                List<Duration> managerLatencies = new ArrayList<>();
                long managerLost = managerSends.stream().filter(f -> f.isCompletedExceptionally()).count();
                managerSends.stream().filter(f -> !f.isCompletedExceptionally())
                        .forEach(f -> managerLatencies.add(f.join().latency()));
                ConnectionStatus status = manager.status();

                StringBuilder table = new StringBuilder();
                table.append(String.format("%nPlanned renewal benchmark: token lifetime %d s, hub grace %d s, "
                        + "window %d s, one message per %d ms per leg%n", LIFETIME.toSeconds(), GRACE.toSeconds(),
                        WINDOW.toSeconds(), SEND_EVERY_MILLIS));
                table.append(String.format("| %-34s | %-17s | %-17s |%n", "", "SDK default", "Connection manager"));
                table.append(String.format("| %-34s | %17d | %17d |%n", "hub expiry drops",
                        hub.counters().expiryDrops("bench-sdk-default"), hub.counters().expiryDrops("bench-manager")));
                table.append(String.format("| %-34s | %17s | %17d |%n", "planned reconnects", "-",
                        status.plannedReconnects()));
                table.append(String.format("| %-34s | %17d | %17d |%n", "connections accepted by the hub",
                        hub.counters().connects("bench-sdk-default"), hub.counters().connects("bench-manager")));
                table.append(String.format("| %-34s | %17d | %17d |%n", "total disconnected time (ms)",
                        sdkDown.totalMillis(), status.disconnectedTime().toMillis()));
                table.append(String.format("| %-34s | %17s | %17s |%n", "planned gap last / max (ms)", "-",
                        status.lastPlannedReconnectGap().map(Duration::toMillis).orElse(-1L) + " / "
                                + status.maxPlannedReconnectGap().map(Duration::toMillis).orElse(-1L)));
                table.append(String.format("| %-34s | %17d | %17d |%n", "messages sent", sdkSends.size(),
                        managerSends.size()));
                table.append(String.format("| %-34s | %17d | %17d |%n", "messages lost (failed)", sdkLost,
                        managerLost));
                table.append(String.format("| %-34s | %17d | %17d |%n", "messages delayed > 1 s",
                        sdkLatencies.stream().filter(d -> d.compareTo(DELAYED) > 0).count(),
                        managerLatencies.stream().filter(d -> d.compareTo(DELAYED) > 0).count()));
                table.append(String.format("| %-34s | %17d | %17d |%n", "max latency (ms)",
                        sdkLatencies.stream().mapToLong(Duration::toMillis).max().orElse(-1),
                        managerLatencies.stream().mapToLong(Duration::toMillis).max().orElse(-1)));
                System.out.println(table);

                manager.close();
                sdk.close();
                sdkToken.close();
                assertThat(hub.counters().expiryDrops("bench-manager")).isZero();
                assertThat(managerLost).isZero();
            }
        }
    }

    /** Time the plain SDK client spent not connected, from its status callbacks. */
    private static final class DisconnectedClock {
        private final AtomicLong total = new AtomicLong();
        private long downSince = -1;

        synchronized void update(boolean connected) {
            long now = System.nanoTime();
            if (connected && this.downSince >= 0) {
                this.total.addAndGet(now - this.downSince);
                this.downSince = -1;
            } else if (!connected && this.downSince < 0) {
                this.downSince = now;
            }
        }

        synchronized long totalMillis() {
            long open = this.downSince >= 0 ? System.nanoTime() - this.downSince : 0;
            return (this.total.get() + open) / 1_000_000;
        }
    }
}
