package io.azurekura.connector.hub.endtoend;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.hub.sdk.AzureSdkClientFactory;
import io.azurekura.connector.hub.sdk.MultiplexedClientFactory;
import io.azurekura.connector.hub.supervisor.ConnectRateLimiter;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.hub.supervisor.PlannedReconnectGate;
import io.azurekura.connector.hub.supervisor.SharedSupervisorPool;
import io.azurekura.connector.hub.supervisor.SupervisorExecutors;
import io.azurekura.connector.hub.supervisor.SupervisorSettings;
import io.azurekura.connector.hub.trust.TrustContexts;
import io.azurekura.connector.testsupport.pki.TestPki;

/**
 * A gateway wired as HubConnectionManager wires its instances, without OSGi: one token cache for all identities, the
 * gateway-wide connect rate limit and planned-reconnect gate, and for multiplexed identities the shared AMQP
 * connections and the shared supervisor pool. Each connection is a real supervisor with the real Azure SDK.
 */
final class TestGateway implements AutoCloseable {

    static final String HUB_HOST = "localhost";

    final SigningTokenChain tokens;
    final ConnectRateLimiter limiter;
    final SharedSupervisorPool pool = new SharedSupervisorPool(8, 2);
    final MultiplexedClientFactory multiplexed = new MultiplexedClientFactory();
    private final PlannedReconnectGate gate = new PlannedReconnectGate();
    private final SecureRandom random = new SecureRandom();
    private final List<HubConnectionSupervisor> connections = new ArrayList<>();

    TestGateway(SigningTokenChain tokens, double connectsPerSecond, int burst) {
        this.tokens = tokens;
        this.limiter = new ConnectRateLimiter(Clock.SYSTEM, connectsPerSecond, burst);
    }

    /** Starts one connection instance for a device, as a configured factory instance would. */
    HubConnectionSupervisor connect(String deviceId, Transport transport, boolean multiplex) {
        SupervisorSettings settings = SupervisorSettings.builder(deviceId,
                new ExponentialBackoff(Duration.ofMillis(250), Duration.ofSeconds(2), Duration.ofSeconds(2),
                        this.random::nextDouble))
                .transport(transport).keepAliveSeconds(30).renewalJitter(Duration.ofSeconds(1)).build();
        HubConnectionSupervisor supervisor = new HubConnectionSupervisor(settings,
                multiplex ? this.multiplexed : new AzureSdkClientFactory(), this.tokens.cache,
                IdentityResolver.fixed(HubIdentity.device(HUB_HOST, deviceId, IdentitySource.STATIC)),
                () -> TrustContexts.fromKeyStore(TestPki.shared().trustStore()), this.gate, this.limiter,
                multiplex ? this.pool : SupervisorExecutors.DEDICATED, Clock.SYSTEM, this.random::nextDouble);
        synchronized (this.connections) {
            this.connections.add(supervisor);
        }
        supervisor.start();
        return supervisor;
    }

    /** Starts one connection instance for a module (never multiplexed: the SDK cannot), as a factory instance would. */
    HubConnectionSupervisor connectModule(String deviceId, String moduleId, Transport transport) {
        SupervisorSettings settings = SupervisorSettings.builder(deviceId + "/" + moduleId,
                new ExponentialBackoff(Duration.ofMillis(250), Duration.ofSeconds(2), Duration.ofSeconds(2),
                        this.random::nextDouble))
                .transport(transport).keepAliveSeconds(30).renewalJitter(Duration.ofSeconds(1)).build();
        HubConnectionSupervisor supervisor = new HubConnectionSupervisor(settings, new AzureSdkClientFactory(),
                this.tokens.cache, IdentityResolver.fixed(HubIdentity.module(HUB_HOST, deviceId, moduleId,
                        IdentitySource.STATIC)),
                () -> TrustContexts.fromKeyStore(TestPki.shared().trustStore()), this.gate, this.limiter,
                SupervisorExecutors.DEDICATED, Clock.SYSTEM, this.random::nextDouble);
        synchronized (this.connections) {
            this.connections.add(supervisor);
        }
        supervisor.start();
        return supervisor;
    }

    /** Closes every connection (in parallel, as many components deactivating), then the token chain. */
    @Override
    public void close() {
        List<HubConnectionSupervisor> all;
        synchronized (this.connections) {
            all = List.copyOf(this.connections);
            this.connections.clear();
        }
        ExecutorService closer = Executors.newFixedThreadPool(8);
        try {
            CompletableFuture.allOf(all.stream().map(c -> CompletableFuture.runAsync(c::close, closer))
                    .toArray(CompletableFuture[]::new)).join();
        } finally {
            closer.shutdownNow();
            this.tokens.close();
        }
    }
}
