package io.azurekura.connector.hub.client;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.Transport;

/** Everything a client needs to connect one identity. */
public final class ClientSpec {

    private final HubIdentity identity;
    private final Transport transport;
    private final Supplier<char[]> tokenSupplier;
    private final SSLContext sslContext;
    private final int keepAliveSeconds;
    private final Duration operationTimeout;
    private final IntFunction<Duration> retryDelay;

    /**
     * @param tokenSupplier never null, never throws, never blocks; called on SDK threads
     * @param sslContext null for the JVM's default trust
     * @param retryDelay the wait before the client's own reconnect attempt {@code n} (0 = first)
     */
    public ClientSpec(HubIdentity identity, Transport transport, Supplier<char[]> tokenSupplier, SSLContext sslContext,
            int keepAliveSeconds, Duration operationTimeout, IntFunction<Duration> retryDelay) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.tokenSupplier = Objects.requireNonNull(tokenSupplier, "tokenSupplier");
        this.sslContext = sslContext;
        this.keepAliveSeconds = keepAliveSeconds;
        this.operationTimeout = Objects.requireNonNull(operationTimeout, "operationTimeout");
        this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
    }

    public HubIdentity identity() {
        return this.identity;
    }

    public Transport transport() {
        return this.transport;
    }

    public Supplier<char[]> tokenSupplier() {
        return this.tokenSupplier;
    }

    public SSLContext sslContext() {
        return this.sslContext;
    }

    public int keepAliveSeconds() {
        return this.keepAliveSeconds;
    }

    public Duration operationTimeout() {
        return this.operationTimeout;
    }

    public IntFunction<Duration> retryDelay() {
        return this.retryDelay;
    }
}
