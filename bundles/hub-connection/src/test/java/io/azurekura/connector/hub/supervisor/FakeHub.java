package io.azurekura.connector.hub.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.ClientStatus;
import io.azurekura.connector.hub.client.CloudToDeviceDisposition;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientException;
import io.azurekura.connector.hub.client.HubClientFactory;
import io.azurekura.connector.hub.client.HubClientListener;
import io.azurekura.connector.hub.client.SendResult;

/** Clients that behave as the test says; records every client made. */
final class FakeHub implements HubClientFactory {

    final List<Client> clients = new CopyOnWriteArrayList<>();
    /** Decides the outcome of each open: null = success. */
    volatile Function<Client, HubClientException> onOpen = c -> null;
    volatile boolean autoAck = true;
    /** When set, each open waits for a permit: the test decides how long an open takes. */
    volatile Semaphore openGate;
    /** Shared between hubs to observe overlapping opens across connections. */
    final AtomicInteger openingNow;
    final AtomicInteger maxOpeningAtOnce;
    /** Opens begun, shared like the two above. */
    final AtomicInteger opensBegun;

    FakeHub() {
        this(new AtomicInteger(), new AtomicInteger(), new AtomicInteger());
    }

    FakeHub(AtomicInteger openingNow, AtomicInteger maxOpeningAtOnce, AtomicInteger opensBegun) {
        this.openingNow = openingNow;
        this.maxOpeningAtOnce = maxOpeningAtOnce;
        this.opensBegun = opensBegun;
    }

    @Override
    public HubClient create(ClientSpec spec, HubClientListener listener) {
        Client client = new Client(spec, listener);
        this.clients.add(client);
        return client;
    }

    @Override
    public Optional<String> problemWith(TelemetryMessage message) {
        return message.properties().containsKey("iothub-ack") ? Optional.of("reserved") : Optional.empty();
    }

    Client last() {
        return this.clients.get(this.clients.size() - 1);
    }

    long openedCount() {
        return this.clients.stream().filter(c -> c.opened).count();
    }

    final class Client implements HubClient {
        final ClientSpec spec;
        final HubClientListener listener;
        volatile boolean opened;
        volatile boolean closed;
        volatile char[] tokenAtOpen;
        final long createdAtNanos = System.nanoTime();
        final List<Sent> sent = new CopyOnWriteArrayList<>();

        Client(ClientSpec spec, HubClientListener listener) {
            this.spec = spec;
            this.listener = listener;
        }

        @Override
        public void open() throws HubClientException {
            int now = FakeHub.this.openingNow.incrementAndGet();
            FakeHub.this.maxOpeningAtOnce.accumulateAndGet(now, Math::max);
            FakeHub.this.opensBegun.incrementAndGet();
            try {
                this.tokenAtOpen = this.spec.tokenSupplier().get();
                Semaphore gate = FakeHub.this.openGate;
                if (gate != null) {
                    gate.acquire();
                }
                HubClientException failure = FakeHub.this.onOpen.apply(this);
                if (failure != null) {
                    throw failure;
                }
                this.opened = true;
                this.listener.onStatus(ClientStatus.CONNECTED, ConnectionReason.CONNECTION_OK, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubClientException(ConnectionReason.COMMUNICATION_ERROR, "interrupted");
            } finally {
                FakeHub.this.openingNow.decrementAndGet();
            }
        }

        @Override
        public void send(TelemetryMessage message, Consumer<SendResult> onResult) {
            if (!this.opened || this.closed) {
                throw new IllegalStateException("not open");
            }
            Sent entry = new Sent(message, onResult);
            this.sent.add(entry);
            if (FakeHub.this.autoAck) {
                entry.settle(SendResult.ACKNOWLEDGED);
            }
        }

        @Override
        public void close() {
            if (this.closed) {
                return;
            }
            this.closed = true;
            for (Sent entry : new ArrayList<>(this.sent)) {
                entry.settle(new SendResult(SendResult.Kind.CANCELLED, "MESSAGE_CANCELLED_ONCLOSE"));
            }
            this.listener.onStatus(ClientStatus.DISCONNECTED, ConnectionReason.CLIENT_CLOSE, null);
        }

        void status(ClientStatus status, ConnectionReason reason) {
            this.listener.onStatus(status, reason, "test");
        }

        CloudToDeviceDisposition receive(CloudToDeviceMessage message) {
            return this.listener.onCloudToDevice(message);
        }

        String token() {
            return this.tokenAtOpen == null ? null : new String(this.tokenAtOpen);
        }
    }

    static final class Sent {
        final TelemetryMessage message;
        private final Consumer<SendResult> onResult;
        private boolean settled;

        Sent(TelemetryMessage message, Consumer<SendResult> onResult) {
            this.message = message;
            this.onResult = onResult;
        }

        synchronized void settle(SendResult result) {
            if (!this.settled) {
                this.settled = true;
                this.onResult.accept(result);
            }
        }

        synchronized boolean settled() {
            return this.settled;
        }
    }
}
