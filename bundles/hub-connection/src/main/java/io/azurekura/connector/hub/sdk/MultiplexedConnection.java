package io.azurekura.connector.hub.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.microsoft.azure.sdk.iot.device.ConnectionStatusChangeContext;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.MultiplexingClient;
import com.microsoft.azure.sdk.iot.device.MultiplexingClientOptions;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.exceptions.MultiplexingClientRegistrationException;
import com.microsoft.azure.sdk.iot.device.transport.IotHubConnectionStatus;

import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.hub.client.ClientSpec;

/**
 * One SDK {@link MultiplexingClient} (one TLS connection) and the devices on it. Every call into the multiplexing
 * client runs on this connection's single registrar thread, because the SDK serialises them anyway (its
 * operationLock) and a registration blocks until the devices' CBS authentication and links are done; callers wait
 * for their own registration only. The registrar thread exits when idle.
 */
final class MultiplexedConnection {

    private static final Logger LOG = LoggerFactory.getLogger(MultiplexedConnection.class);
    /** The SDK's own default for (un)registrations (MultiplexingClient.DEFAULT_REGISTRATION_TIMEOUT_MILLISECONDS). */
    static final Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(60);
    /**
     * The SDK's unregistration polls in 100 ms steps until the device's session is closed, normally a few hundred
     * ms. When the connection was lost just before, it waits for a session state it never sets
     * (IotHubTransport.unregisterMultiplexedDeviceClient), so the wait is bounded well below the SDK's default.
     */
    static final Duration UNREGISTRATION_TIMEOUT = Duration.ofSeconds(5);
    private static final long REGISTRAR_IDLE_SECONDS = 30;
    /** The connection whose registrar runs on this thread, if any (completions may call back into us there). */
    private static final ThreadLocal<MultiplexedConnection> ON_REGISTRAR = new ThreadLocal<>();

    private final MultiplexedClientFactory factory;
    private final String hubKey;
    private final String host;
    private final int capacity;
    private final MultiplexingClient client;
    private final ThreadPoolExecutor registrar;
    private final Object lock = new Object();
    /** Registrations and unregistrations in call order: a device re-joining must follow its own leaving. */
    private final List<Operation> pending = new ArrayList<>();
    private boolean drainQueued;
    /** Guarded by the factory's lock. */
    private int members;
    private volatile boolean dead;
    /** Registrar thread only. */
    private boolean opened;

    private record Operation(boolean register, DeviceClient device, CompletableFuture<Void> done) {
    }

    MultiplexedConnection(MultiplexedClientFactory factory, ClientSpec first, int capacity) {
        this.factory = factory;
        this.hubKey = MultiplexedClientFactory.hubKey(first);
        this.host = first.identity().hubHost();
        this.capacity = capacity;
        MultiplexingClientOptions.MultiplexingClientOptionsBuilder options = MultiplexingClientOptions.builder()
                .keepAliveInterval(first.keepAliveSeconds())
                .useIdentifiableThreadNames(false)
                .threadNamePrefix(NamedThreadFactory.PREFIX + "sdk-mux-")
                .threadNameSuffix("-" + this.host);
        if (first.sslContext() != null) {
            // One TLS connection, one trust decision: the first identity's trust source (instances of one hub
            // normally share the trust configuration).
            options.sslContext(first.sslContext());
        }
        this.client = new MultiplexingClient(this.host, IotHubClientProtocol.valueOf(first.transport().name()),
                options.build());
        // The device sessions on this connection never retry (MultiplexedHubClient), so a connection the SDK
        // re-opened by itself would carry none of them, and while it retries, unregistering a device waits for a
        // state the SDK never sets (IotHubTransport.unregisterMultiplexedDeviceClient: up to the whole timeout).
        // A lost connection is therefore dead at once; every identity's supervisor re-registers on a new one, at the
        // gateway's connect rate.
        this.client.setRetryPolicy(SdkAdapters.NEVER_RETRY);
        this.client.setConnectionStatusChangeCallback(this::onConnectionStatus, null);
        this.registrar = new ThreadPoolExecutor(1, 1, REGISTRAR_IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory("hub-mux-registrar"));
        this.registrar.allowCoreThreadTimeOut(true);
    }

    String hubKey() {
        return this.hubKey;
    }

    /** Factory lock held. */
    boolean tryJoin() {
        if (this.dead || this.members >= this.capacity) {
            return false;
        }
        this.members++;
        return true;
    }

    /** Factory lock held; true when that was the last member. */
    boolean leave() {
        return --this.members == 0;
    }

    /** Factory lock held. */
    int members() {
        return this.members;
    }

    /**
     * Adds the device to the connection (opening it with the first devices). Completes when the device's session is
     * authenticated and its links are open, or exceptionally with the SDK's reason.
     */
    CompletableFuture<Void> register(DeviceClient device) {
        return submit(new Operation(true, device, new CompletableFuture<>()));
    }

    /**
     * Removes the device from the connection without waiting: unregistrations that queue up together go in one SDK
     * call, which waits for the devices' sessions to close in 100 ms polling steps. Completes when done.
     */
    CompletableFuture<Void> unregister(DeviceClient device) {
        return submit(new Operation(false, device, new CompletableFuture<>()));
    }

    private CompletableFuture<Void> submit(Operation operation) {
        synchronized (this.lock) {
            this.pending.add(operation);
            if (!this.drainQueued) {
                this.drainQueued = true;
                try {
                    this.registrar.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    this.drainQueued = false;
                    this.pending.remove(operation);
                    operation.done.completeExceptionally(new IllegalStateException("connection closed"));
                }
            }
        }
        return operation.done;
    }

    /** Registrar thread: what queued up since the last turn, in order, one SDK call per run of the same kind. */
    private void drain() {
        ON_REGISTRAR.set(this);
        try {
            drainPending();
        } finally {
            ON_REGISTRAR.remove();
        }
    }

    private void drainPending() {
        List<Operation> operations;
        synchronized (this.lock) {
            operations = new ArrayList<>(this.pending);
            this.pending.clear();
            this.drainQueued = false;
        }
        int from = 0;
        while (from < operations.size()) {
            boolean register = operations.get(from).register;
            int to = from;
            while (to < operations.size() && operations.get(to).register == register) {
                to++;
            }
            List<Operation> run = operations.subList(from, to);
            if (register) {
                registerAll(run);
            } else {
                if (!this.dead) {
                    // A dead connection's devices went with it; asking the SDK could only block.
                    unregisterQuietly(run.stream().map(Operation::device).toList());
                }
                run.forEach(operation -> operation.done.complete(null));
            }
            from = to;
        }
    }

    private void registerAll(List<Operation> batch) {
        List<DeviceClient> devices = batch.stream().map(Operation::device).toList();
        boolean opening = !this.opened;
        try {
            if (this.dead) {
                throw new IllegalStateException("the multiplexed connection to " + this.host + " failed");
            }
            if (opening) {
                this.client.registerDeviceClients(devices);
                LOG.info("Opening a multiplexed AMQP connection to {} for {} identities", this.host, devices.size());
                this.opened = true;
                this.client.open(false);
            } else {
                this.client.registerDeviceClients(devices, REGISTRATION_TIMEOUT.toMillis());
            }
            batch.forEach(operation -> operation.done.complete(null));
        } catch (MultiplexingClientRegistrationException e) {
            // The connection is up; the devices named in the map did not make it (and are not registered).
            Map<String, Exception> failures = e.getRegistrationExceptions();
            for (Operation operation : batch) {
                Exception failure = failures.get(operation.device.getConfig().getDeviceId());
                if (failure == null) {
                    operation.done.complete(null);
                } else {
                    operation.done.completeExceptionally(failure);
                }
            }
        } catch (IotHubClientException | RuntimeException e) {
            if (opening) {
                // The connection could not be opened: the next registration starts a new one.
                markDead("opening failed: " + SdkOutcomes.describe(e));
            }
            if (!this.dead) {
                unregisterQuietly(devices);
            }
            batch.forEach(operation -> operation.done.completeExceptionally(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            batch.forEach(operation -> operation.done.completeExceptionally(e));
        }
    }

    private void unregisterQuietly(List<DeviceClient> devices) {
        try {
            this.client.unregisterDeviceClients(devices, UNREGISTRATION_TIMEOUT.toMillis());
        } catch (IotHubClientException | RuntimeException e) {
            LOG.debug("Unregistering {} devices from {} failed: {}", devices.size(), this.host,
                    SdkOutcomes.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the TLS connection and stops the registrar; called once, after the last member left. */
    void close() {
        boolean lost = this.dead;
        this.dead = true;
        if (ON_REGISTRAR.get() == this) {
            // The last member left from a completion on our own registrar thread: waiting for it would deadlock.
            closeClient();
            this.registrar.shutdown();
            return;
        }
        if (lost) {
            // The connection is gone already: nothing to wait for, and the registrar may still be finishing an
            // unregistration that the loss made slow. It closes the client and ends when that is done.
            try {
                this.registrar.execute(this::closeClient);
            } catch (RejectedExecutionException e) {
                closeClient();
            }
            this.registrar.shutdown();
            return;
        }
        try {
            Future<?> closed = this.registrar.submit(this::closeClient);
            closed.get(REGISTRATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            LOG.warn("Closing the multiplexed connection to {} failed: {}", this.host, SdkOutcomes.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            this.registrar.shutdown();
        }
    }

    private void closeClient() {
        LOG.info("Closing the multiplexed AMQP connection to {}", this.host);
        try {
            this.client.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the multiplexed connection to {} failed: {}", this.host, SdkOutcomes.describe(e));
        }
    }

    /** Any loss ends the connection for good (the SDK does not retry it, see the constructor). */
    private void onConnectionStatus(ConnectionStatusChangeContext context) {
        if (context.getNewStatus() != IotHubConnectionStatus.CONNECTED && !this.dead) {
            markDead(context.getNewStatusReason() + " " + SdkOutcomes.describe(context.getCause()));
        }
    }

    private void markDead(String why) {
        if (!this.dead) {
            this.dead = true;
            LOG.warn("The multiplexed AMQP connection to {} ended ({}); its identities reconnect on a new one",
                    this.host, why);
        }
        this.factory.discard(this);
    }
}
