package io.azurekura.connector.hub.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenEvent;
import io.azurekura.connector.api.cache.TokenListener;
import io.azurekura.connector.api.hub.CloudToDeviceListener;
import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionEvent;
import io.azurekura.connector.api.hub.ConnectionListener;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.SendException;
import io.azurekura.connector.api.hub.SendFailure;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.common.redact.Redactor;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.ClientStatus;
import io.azurekura.connector.hub.client.CloudToDeviceDisposition;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientException;
import io.azurekura.connector.hub.client.HubClientFactory;
import io.azurekura.connector.hub.client.HubClientListener;
import io.azurekura.connector.hub.trust.TrustProvider;
import io.azurekura.connector.hub.trust.TrustUnavailableException;

/**
 * Keeps one identity connected to IoT Hub, beyond what the SDK does on its own (docs/azure-sdk.md "SasTokenProvider",
 * "Retry and connection status"):
 * <ul>
 * <li>the SDK gives up for good after a terminal {@code DISCONNECTED} (including its CONNACK 4 quirk and
 * {@code RETRY_EXPIRED}): the supervisor closes that client and opens a new one, with capped exponential backoff and
 * jitter, until deactivation;</li>
 * <li>over MQTT the SDK only takes a new token after the hub cut the connection for expiry (up to ~10 min late):
 * when the token cache renews this identity's token, the supervisor makes a planned reconnect with it before the old
 * one expires, one identity at a time across the gateway, holding messages meanwhile;</li>
 * <li>a refused token is invalidated in the cache; refusals of fresh tokens are reported to the DPS provisioner.</li>
 * </ul>
 * All lifecycle work, including every blocking SDK call ({@code open}, {@code close}), runs serially on the
 * connection's supervisor executor (a thread of its own, or a lane of the gateway's shared pool); SDK callbacks only
 * post events to it. Callers' futures and listeners run on a separate serial callback executor. Every new connection
 * first takes a slot from the gateway-wide {@link ConnectRateLimiter}.
 */
public final class HubConnectionSupervisor implements HubConnection, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HubConnectionSupervisor.class);

    /** How often a planned reconnect re-checks the gateway-wide gate while another identity holds it. */
    private static final long GATE_RETRY_MILLIS = 50;
    /** Backoff steps added for flapping connections are capped, like the backoff itself. */
    private static final int MAX_FLAP_LEVEL = 10;
    /** Messages whose failed deliveries are remembered; a flood of failing messages forgets the oldest. */
    private static final int MAX_TRACKED_CLOUD_TO_DEVICE = 1024;

    private final SupervisorSettings settings;
    private final HubClientFactory clients;
    private final SasTokenCache cache;
    private final IdentityResolver identities;
    private final TrustProvider trust;
    private final PlannedReconnectGate gate;
    private final Clock clock;
    private final DoubleSupplier random;
    private final ConnectRateLimiter limiter;
    private final SupervisorExecutors executors;
    private final ScheduledExecutorService supervisor;
    private final ExecutorService callbacks;
    private final OutboundQueue queue;
    private final TokenListener tokenListener = this::onTokenEvent;
    private final Set<ConnectionListener> connectionListeners = new CopyOnWriteArraySet<>();
    private final Set<CloudToDeviceListener> cloudToDeviceListeners = new CopyOnWriteArraySet<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;
    /** Where sends go once this connection was handed over to a reconfigured one. */
    private volatile HubConnectionSupervisor successor;
    private volatile int flapLevel;

    // Confined to the supervisor thread, except where volatile for deactivation.
    private HubIdentity identity;
    private volatile ManagedToken token;
    private volatile Connection current;
    private long generation;
    private int reopenAttempt;
    private ScheduledFuture<?> reopenTask;
    private ScheduledFuture<?> plannedTask;
    private volatile ScheduledFuture<?> tickTask;
    private long plannedLatestStartNanos;
    private long gapStartNanos = -1;
    private long lastRefusedExpiry = Long.MIN_VALUE;
    private int freshRefusals;
    /** The monotonic time of the connect slot reserved from the rate limiter, while waiting for it. */
    private long connectSlotNanos;
    private boolean slotReserved;
    /** A slot whose time has come, not yet used by a connection. */
    private boolean slotReady;

    // Status, readable from any thread.
    private final Object statusLock = new Object();
    private ConnectionState state = ConnectionState.WAITING;
    private ConnectionReason reason = ConnectionReason.STARTING;
    private String detail;
    private Instant since;
    private Instant connectedSince;
    private String lastLoggedProblem;
    private HubIdentity statusIdentity;
    private long connectAttempts;
    private long connects;
    private long plannedReconnects;
    private long unplannedReconnects;
    private long expiryDisconnects;
    private long badCredentials;
    private long reprovisionRequests;
    private Duration lastPlannedGap;
    private Duration maxPlannedGap;
    private long disconnectedTotalNanos;
    private long disconnectedSinceNanos = -1;
    private long cloudToDeviceReceived;
    private long cloudToDeviceTaken;
    private long cloudToDeviceReturned;
    private long cloudToDeviceGivenUp;
    /** Failed deliveries per cloud-to-device message, for the messages whose listeners failed lately. */
    private final DeliveryCounts failedDeliveries = new DeliveryCounts(MAX_TRACKED_CLOUD_TO_DEVICE);

    /** A supervisor on threads of its own, without a connect rate limit. */
    public HubConnectionSupervisor(SupervisorSettings settings, HubClientFactory clients, SasTokenCache cache,
            IdentityResolver identities, TrustProvider trust, PlannedReconnectGate gate, Clock clock,
            DoubleSupplier random) {
        this(settings, clients, cache, identities, trust, gate, ConnectRateLimiter.UNLIMITED,
                SupervisorExecutors.DEDICATED, clock, random);
    }

    /**
     * @param limiter the gateway-wide bucket every new connection takes a slot from
     * @param executors where the supervisor's and the callbacks' serial executors come from
     */
    public HubConnectionSupervisor(SupervisorSettings settings, HubClientFactory clients, SasTokenCache cache,
            IdentityResolver identities, TrustProvider trust, PlannedReconnectGate gate, ConnectRateLimiter limiter,
            SupervisorExecutors.Source executors, Clock clock, DoubleSupplier random) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.identities = Objects.requireNonNull(identities, "identities");
        this.trust = Objects.requireNonNull(trust, "trust");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.since = Instant.ofEpochMilli(clock.wallMillis());
        this.executors = executors.create();
        this.supervisor = this.executors.supervisor();
        this.callbacks = this.executors.callbacks();
        this.queue = new OutboundQueue(settings.queueCapacity(), clock, this.callbacks);
    }

    /** Starts connecting in the background. */
    public void start() {
        this.cache.addListener(this.tokenListener);
        this.identities.setChangeListener(() -> post(this::onIdentityChanged));
        long tick = this.settings.tickInterval().toMillis();
        try {
            this.tickTask = this.supervisor.scheduleWithFixedDelay(guarded(this::tick), tick, tick,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return; // closed before it started
        }
        post(this::connect);
    }

    /**
     * Closes the client, fails what is still queued with {@link SendFailure#CLOSED} and stops every thread. Waits
     * at most the close timeout for a blocking SDK call in progress, then interrupts it.
     */
    @Override
    public void close() {
        List<PendingMessage> left = shutDownAndCollect(false);
        if (left != null) {
            this.queue.failAll(SendFailure.CLOSED, "the connection was closed before IoT Hub acknowledged the message");
            finishClosing();
        }
    }

    /**
     * Closes this connection for a reconfiguration that keeps the identity: what is queued or in flight is not
     * failed but moves to {@code next} (in its original order, ahead of anything sent to {@code next} so far) and
     * goes out on its connection. Acknowledgements in flight get the drain timeout to arrive first, so that as few
     * messages as possible reach the hub twice.
     */
    public void handOverTo(HubConnectionSupervisor next) {
        Objects.requireNonNull(next, "next");
        this.successor = next;
        List<PendingMessage> left = shutDownAndCollect(true);
        if (left == null) {
            return;
        }
        finishClosing();
        next.adopt(left);
    }

    private void adopt(List<PendingMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        if (this.closed) {
            this.queue.adopt(messages);
            this.queue.failAll(SendFailure.CLOSED, "the connection was closed before IoT Hub acknowledged the message");
        } else if (!this.settings.configurationProblems().isEmpty()) {
            this.queue.adopt(messages);
            this.queue.failAll(SendFailure.MISCONFIGURED, "the new configuration cannot work: "
                    + String.join("; ", this.settings.configurationProblems()));
        } else {
            LOG.info("{}: {} unacknowledged messages carried over to the reconfigured connection",
                    this.settings.name(), messages.size());
            this.queue.adopt(messages);
        }
    }

    /** @return what is left in the queue (still in it), or null when this was already closed */
    private List<PendingMessage> shutDownAndCollect(boolean handOver) {
        if (this.closed) {
            return null;
        }
        this.closed = true;
        this.cache.removeListener(this.tokenListener);
        this.identities.setChangeListener(() -> {
        });
        try {
            this.supervisor.execute(() -> shutDown(handOver));
        } catch (RejectedExecutionException e) {
            // already shut down
        }
        this.supervisor.shutdown();
        boolean stopped = awaitTermination(this.supervisor, this.settings.closeTimeout());
        if (!stopped) {
            LOG.warn("{}: the SDK did not return within {} s; interrupting it", this.settings.name(),
                    this.settings.closeTimeout().toSeconds());
            this.supervisor.shutdownNow();
            Connection left = this.current;
            if (left != null && left.client != null) {
                left.client.close();
            }
            ManagedToken handle = this.token;
            if (handle != null) {
                handle.close();
            }
            awaitTermination(this.supervisor, Duration.ofSeconds(2));
        }
        return handOver ? this.queue.drainAll() : List.of();
    }

    private void finishClosing() {
        setState(ConnectionState.CLOSED, ConnectionReason.DEACTIVATED, null);
        this.callbacks.shutdown();
        if (!awaitTermination(this.callbacks, Duration.ofSeconds(2))) {
            this.callbacks.shutdownNow();
            awaitTermination(this.callbacks, Duration.ofSeconds(2));
        }
        this.executors.release();
    }

    // ---------------------------------------------------------------------------------------------------------
    // HubConnection

    @Override
    public CompletionStage<MessageReceipt> send(TelemetryMessage message) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<MessageReceipt> completion = new CompletableFuture<>();
        String id = message.messageId().orElseGet(() -> UUID.randomUUID().toString());
        if (this.closed) {
            HubConnectionSupervisor next = this.successor;
            return next != null ? next.send(message)
                    : refuse(completion, new SendException(SendFailure.CLOSED, id, "the connection is closed"));
        }
        if (!this.settings.configurationProblems().isEmpty()) {
            return refuse(completion, new SendException(SendFailure.MISCONFIGURED, id,
                    String.join("; ", this.settings.configurationProblems())));
        }
        Optional<String> problem = this.clients.problemWith(message);
        if (problem.isPresent()) {
            return refuse(completion, new SendException(SendFailure.INVALID_MESSAGE, id, problem.get()));
        }
        TelemetryMessage identified = message.messageId().isPresent() ? message : message.withMessageId(id);
        PendingMessage pending = new PendingMessage(this.sequence.incrementAndGet(), identified, id, completion,
                Instant.ofEpochMilli(this.clock.wallMillis()),
                this.clock.monotonicNanos() + this.settings.messageTimeout().toNanos());
        try {
            if (!this.queue.offer(pending)) {
                completion.completeExceptionally(new SendException(SendFailure.QUEUE_FULL, id,
                        "the outbound queue is full (" + this.queue.capacity() + " messages waiting or in flight)"));
            }
        } catch (IllegalStateException sealed) {
            HubConnectionSupervisor next = this.successor;
            return next != null ? next.send(identified)
                    : refuse(completion, new SendException(SendFailure.CLOSED, id, "the connection is closed"));
        }
        return completion.minimalCompletionStage();
    }

    private CompletionStage<MessageReceipt> refuse(CompletableFuture<MessageReceipt> completion,
            SendException why) {
        this.queue.countRefused();
        completion.completeExceptionally(why);
        return completion.minimalCompletionStage();
    }

    @Override
    public ConnectionState state() {
        synchronized (this.statusLock) {
            return this.state;
        }
    }

    @Override
    public ConnectionStatus status() {
        synchronized (this.statusLock) {
            return snapshot();
        }
    }

    @Override
    public Optional<HubIdentity> identity() {
        synchronized (this.statusLock) {
            return Optional.ofNullable(this.statusIdentity);
        }
    }

    @Override
    public void addConnectionListener(ConnectionListener listener) {
        this.connectionListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeConnectionListener(ConnectionListener listener) {
        this.connectionListeners.remove(listener);
    }

    @Override
    public void addCloudToDeviceListener(CloudToDeviceListener listener) {
        this.cloudToDeviceListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeCloudToDeviceListener(CloudToDeviceListener listener) {
        this.cloudToDeviceListeners.remove(listener);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connecting (supervisor thread)

    private void connect() {
        cancel(this.reopenTask);
        this.reopenTask = null;
        if (this.closed || this.current != null) {
            return;
        }
        if (!this.settings.configurationProblems().isEmpty()) {
            setState(ConnectionState.MISCONFIGURED, ConnectionReason.CONFIGURATION,
                    String.join("; ", this.settings.configurationProblems()));
            return;
        }
        Optional<HubIdentity> resolved = this.identities.current();
        if (resolved.isEmpty()) {
            setState(ConnectionState.WAITING, ConnectionReason.IDENTITY_UNAVAILABLE,
                    this.identities.unavailableReason().orElse("waiting for the DPS provisioner's assignment"));
            return;
        }
        boolean firstTokenRequest = this.token == null || this.identity == null
                || !this.identity.sameIdentityAs(resolved.get());
        // An identity's first token request already takes its connect slot: after a restart the slots spread the
        // token server's load as well as the hub's, and the connection that follows the token uses the same slot.
        if (firstTokenRequest && !haveConnectSlot()) {
            return;
        }
        useIdentity(resolved.get());
        if (!hasValidToken()) {
            setState(ConnectionState.WAITING, ConnectionReason.TOKEN_UNAVAILABLE, tokenProblem());
            return; // a RENEWED event (or the tick) tries again
        }
        SSLContext sslContext;
        try {
            sslContext = this.trust.sslContext();
        } catch (TrustUnavailableException e) {
            backOff(ConnectionState.WAITING, ConnectionReason.TRUST_UNAVAILABLE, Redactor.redact(e.getMessage()));
            return;
        }
        if (!haveConnectSlot()) {
            return; // connect() runs again when the slot is due
        }
        this.slotReady = false;
        ConnectionReason why;
        synchronized (this.statusLock) {
            // Say why we are (re)connecting: the failure we are retrying after, the renewal, or a fresh start.
            switch (this.state) {
            case RENEWING:
                why = ConnectionReason.TOKEN_RENEWAL;
                break;
            case BACKING_OFF:
            case RETRYING:
            case CONNECTING:
                why = this.reason;
                break;
            default:
                why = ConnectionReason.STARTING;
            }
            this.connectAttempts++;
        }
        setState(ConnectionState.CONNECTING, why, null);
        Connection connection = new Connection(++this.generation, this.token);
        this.current = connection;
        try {
            connection.client = this.clients.create(new ClientSpec(this.identity, this.settings.transport(),
                    connection::token, sslContext, this.settings.keepAliveSeconds(),
                    this.settings.operationTimeout(), this::sdkRetryDelay), connection);
            connection.client.open();
        } catch (HubClientException e) {
            connectFailed(connection, e.reason(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            connectFailed(connection, ConnectionReason.COMMUNICATION_ERROR,
                    Redactor.excerpt(e.getClass().getSimpleName() + ": " + e.getMessage()));
            return;
        }
        onConnected(connection);
    }

    /**
     * True when this connection holds a due slot from the gateway-wide rate limiter (reserving one if needed);
     * otherwise connect() is scheduled for the slot's time. A reserved slot is kept across other wake-ups, so an
     * identity never reserves twice for one connection.
     */
    private boolean haveConnectSlot() {
        if (this.slotReady) {
            return true;
        }
        long now = this.clock.monotonicNanos();
        if (!this.slotReserved) {
            long waitMillis = this.limiter.reserveMillis();
            if (waitMillis <= 0) {
                this.slotReady = true;
                return true;
            }
            this.slotReserved = true;
            this.connectSlotNanos = now + waitMillis * 1_000_000;
        }
        long remainingNanos = this.connectSlotNanos - now;
        if (remainingNanos <= 0) {
            this.slotReserved = false;
            this.slotReady = true;
            return true;
        }
        long remainingMillis = (remainingNanos + 999_999) / 1_000_000;
        ConnectionReason why;
        synchronized (this.statusLock) {
            why = this.reason;
        }
        setState(ConnectionState.CONNECTING, why, "waiting " + remainingMillis
                + " ms for the gateway's connect rate limit");
        cancel(this.reopenTask);
        this.reopenTask = schedule(this::connect, remainingMillis);
        return false;
    }

    private void useIdentity(HubIdentity resolved) {
        if (this.identity != null && this.identity.sameIdentityAs(resolved) && this.token != null) {
            return;
        }
        ManagedToken previous = this.token;
        this.identity = resolved;
        this.token = this.cache.track(resolved.tokenScope());
        if (previous != null) {
            previous.close();
        }
        this.lastRefusedExpiry = Long.MIN_VALUE;
        this.freshRefusals = 0;
        synchronized (this.statusLock) {
            this.statusIdentity = resolved;
        }
    }

    private boolean hasValidToken() {
        try {
            // Zero wait: never blocks the supervisor; the cache's RENEWED event brings us back.
            return this.token.awaitValid(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String tokenProblem() {
        return "no valid token yet" + this.token.status().lastError().map(e -> " (" + e + ")").orElse("");
    }

    private void connectFailed(Connection connection, ConnectionReason why, String text) {
        if (connection != this.current) {
            return;
        }
        retire(connection);
        if (why == ConnectionReason.BAD_CREDENTIAL) {
            onBadCredential(connection, text);
        }
        backOff(ConnectionState.BACKING_OFF, why, text);
    }

    private void backOff(ConnectionState next, ConnectionReason why, String text) {
        Duration delay = this.settings.reconnectBackoff().delay(this.reopenAttempt + this.flapLevel);
        this.reopenAttempt = Math.min(this.reopenAttempt + 1, 40);
        setState(next, why, (text == null ? "" : text + "; ") + "next attempt in " + delay.toMillis() + " ms");
        cancel(this.reopenTask);
        this.reopenTask = schedule(this::connect, delay.toMillis());
    }

    private void onConnected(Connection connection) {
        if (connection != this.current || connection.live || this.closed) {
            return;
        }
        connection.live = true;
        connection.connectedAtNanos = this.clock.monotonicNanos();
        this.reopenAttempt = 0;
        this.freshRefusals = 0;
        synchronized (this.statusLock) {
            this.connects++;
            if (this.gapStartNanos >= 0) {
                Duration gap = Duration.ofNanos(connection.connectedAtNanos - this.gapStartNanos);
                this.lastPlannedGap = gap;
                this.maxPlannedGap = this.maxPlannedGap == null || gap.compareTo(this.maxPlannedGap) > 0 ? gap
                        : this.maxPlannedGap;
                this.gapStartNanos = -1;
            }
            if (this.disconnectedSinceNanos >= 0) {
                this.disconnectedTotalNanos += connection.connectedAtNanos - this.disconnectedSinceNanos;
                this.disconnectedSinceNanos = -1;
            }
        }
        setState(ConnectionState.CONNECTED, ConnectionReason.CONNECTION_OK, null);
        this.queue.release(connection.client);
        planRenewal();
    }

    /** The connection was lost without our asking: counts, and notes flapping (e.g. a duplicate identity). */
    private void lost(Connection connection, ConnectionReason why) {
        if (!connection.live) {
            return;
        }
        connection.live = false;
        this.queue.hold();
        long now = this.clock.monotonicNanos();
        if (why != ConnectionReason.EXPIRED_SAS_TOKEN) {
            // An expiry drop ends a connection that lived a whole token lifetime; it is not flapping.
            boolean shortLived = now - connection.connectedAtNanos < this.settings.flapWindow().toNanos();
            this.flapLevel = shortLived ? Math.min(this.flapLevel + 1, MAX_FLAP_LEVEL) : 0;
        }
        synchronized (this.statusLock) {
            this.unplannedReconnects++;
            if (why == ConnectionReason.EXPIRED_SAS_TOKEN) {
                this.expiryDisconnects++;
            }
            this.disconnectedSinceNanos = now;
        }
    }

    /** Closes a client we no longer use; its late callbacks are ignored (it is no longer current). */
    private void retire(Connection connection) {
        if (this.current == connection) {
            this.current = null;
        }
        this.queue.hold();
        cancel(this.plannedTask);
        this.plannedTask = null;
        if (connection.client != null) {
            connection.client.close();
        }
    }

    /**
     * The wait before the SDK's own reconnect attempt. Like the SDK's default, the first retry is immediate,
     * unless the connection is flapping: then each quick loss adds a backoff step, so two gateways that share an
     * identity (IoT Hub allows one connection per id and kicks the older one) cannot ping-pong at network speed.
     */
    private Duration sdkRetryDelay(int attempt) {
        int flaps = this.flapLevel;
        if (attempt <= 0 && flaps == 0) {
            return Duration.ZERO;
        }
        return this.settings.reconnectBackoff().delay(Math.max(0, attempt - 1) + flaps);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Events (supervisor thread)

    private void onClientStatus(Connection connection, ClientStatus status, ConnectionReason why, String text) {
        if (connection != this.current || this.closed) {
            return; // a retired client (planned close, replaced after failure) reporting its own end
        }
        switch (status) {
        case CONNECTED:
            if (!connection.live) {
                onConnected(connection); // the SDK's own reconnect succeeded
            }
            break;
        case DISCONNECTED_RETRYING:
            lost(connection, why);
            handleReason(connection, why, text);
            setState(ConnectionState.RETRYING, why, text);
            break;
        default:
            lost(connection, why);
            retire(connection);
            handleReason(connection, why, text);
            backOff(ConnectionState.BACKING_OFF, why, text);
        }
    }

    private void handleReason(Connection connection, ConnectionReason why, String text) {
        if (why == ConnectionReason.EXPIRED_SAS_TOKEN) {
            // Routine with the SDK's MQTT (no proactive renewal); with ours it means renewals did not arrive in time.
            LOG.info("{}: IoT Hub closed the connection of {} for an expired token; reconnecting with a fresh one",
                    this.settings.name(), this.identity);
            ensureFreshToken(connection);
        } else if (why == ConnectionReason.BAD_CREDENTIAL) {
            onBadCredential(connection, text);
        }
    }

    private void ensureFreshToken(Connection connection) {
        Optional<SasToken> held = this.token.current();
        Instant now = Instant.ofEpochMilli(this.clock.wallMillis());
        if (held.isEmpty() || held.get().isExpired(now)
                || held.get().expiresAt().getEpochSecond() <= connection.tokenExpiry) {
            this.cache.invalidate(this.identity.tokenScope(), "IoT Hub reported the token as expired");
        }
    }

    private void onBadCredential(Connection connection, String text) {
        long refused = connection.tokenExpiry;
        boolean fresh = refused != this.lastRefusedExpiry;
        this.lastRefusedExpiry = refused;
        if (fresh) {
            this.freshRefusals++;
        }
        synchronized (this.statusLock) {
            this.badCredentials++;
        }
        boolean renewing = this.cache.invalidate(this.identity.tokenScope(),
                "IoT Hub refused the token" + (text == null ? "" : " (" + text + ")"));
        if (fresh) {
            LOG.warn("{}: IoT Hub refused the token of {}; {}", this.settings.name(), this.identity,
                    renewing ? "fetching a new one" : "a new one was requested recently");
        } else {
            LOG.debug("{}: IoT Hub refused the same token of {} again", this.settings.name(), this.identity);
        }
        if (this.freshRefusals >= this.settings.badCredentialThreshold() && this.identities.canReprovision()) {
            this.freshRefusals = 0;
            boolean started = this.identities.credentialsRefused("IoT Hub refused "
                    + this.settings.badCredentialThreshold() + " fresh tokens for " + this.identity);
            if (started) {
                synchronized (this.statusLock) {
                    this.reprovisionRequests++;
                }
            }
            LOG.warn("{}: {} fresh tokens refused for {}; reprovisioning {}", this.settings.name(),
                    this.settings.badCredentialThreshold(), this.identity,
                    started ? "started" : "not started (refused by the provisioner's policy)");
        }
    }

    private void onTokenEvent(TokenEvent event) {
        if (event.type() == TokenEvent.Type.RENEWED) {
            post(() -> onTokenRenewed(event));
        }
    }

    private void onTokenRenewed(TokenEvent event) {
        if (this.closed || this.identity == null || !this.identity.tokenScope().equals(event.scope())) {
            return;
        }
        if (this.current == null && state() == ConnectionState.WAITING) {
            connect();
        } else {
            planRenewal();
        }
    }

    /**
     * MQTT 3.1.1 authenticates only at CONNECT, so a renewed token takes effect on a new connection. Reconnect
     * before the old token expires, after a random delay (spreading a gateway's identities) of at most half its
     * remaining life.
     */
    private void planRenewal() {
        Connection connection = this.current;
        if (connection == null || !connection.live || this.plannedTask != null || !this.settings.plannedRenewal()
                || !this.settings.transport().reconnectsToRenew()) {
            return;
        }
        Optional<SasToken> fresh = this.token.current();
        if (fresh.isEmpty() || fresh.get().expiresAt().getEpochSecond() <= connection.tokenExpiry) {
            return; // the connection already uses the newest token
        }
        long remainingMillis = connection.tokenExpiry == TokenExpiry.UNKNOWN ? 0
                : connection.tokenExpiry * 1000 - this.clock.wallMillis();
        long half = Math.max(0, remainingMillis / 2);
        long delay = (long) (this.random.getAsDouble() * Math.min(this.settings.renewalJitter().toMillis(), half));
        // Waiting for other identities' reconnects may use up to half the old token's remaining life, then we go.
        this.plannedLatestStartNanos = this.clock.monotonicNanos() + half * 1_000_000;
        LOG.debug("{}: token renewed; planned reconnect of {} in {} ms", this.settings.name(), this.identity, delay);
        this.plannedTask = schedule(this::plannedReconnect, delay);
    }

    private void plannedReconnect() {
        this.plannedTask = null;
        Connection connection = this.current;
        if (this.closed || connection == null || !connection.live) {
            return; // not connected: the next connection takes the fresh token anyway
        }
        boolean entered = this.gate.tryEnter();
        if (!entered && this.clock.monotonicNanos() - this.plannedLatestStartNanos < 0) {
            this.plannedTask = schedule(this::plannedReconnect,
                    GATE_RETRY_MILLIS + (long) (this.random.getAsDouble() * GATE_RETRY_MILLIS));
            return;
        }
        if (!entered) {
            LOG.info("{}: other identities are reconnecting; renewing {} without waiting longer",
                    this.settings.name(), this.identity);
        }
        try {
            synchronized (this.statusLock) {
                this.plannedReconnects++;
            }
            setState(ConnectionState.RENEWING, ConnectionReason.TOKEN_RENEWAL, null);
            this.queue.hold();
            // Let acknowledgements in flight arrive, so the close cancels (and we resend) as little as possible.
            this.queue.awaitNoneInFlight(this.settings.drainTimeout().toMillis());
            connection.live = false;
            long start = this.clock.monotonicNanos();
            synchronized (this.statusLock) {
                this.gapStartNanos = start;
                this.disconnectedSinceNanos = start;
            }
            retire(connection);
            connect();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (entered) {
                this.gate.leave();
            }
        }
    }

    private void onIdentityChanged() {
        if (this.closed) {
            return;
        }
        Optional<HubIdentity> next = this.identities.current();
        if (next.isEmpty()) {
            return; // keep the connection we have until a new assignment arrives
        }
        if (this.identity != null && this.identity.sameIdentityAs(next.get())) {
            if (this.current == null && this.reopenTask == null) {
                connect();
            }
            return;
        }
        LOG.info("{}: identity changed from {} to {}", this.settings.name(), this.identity, next.get());
        Connection connection = this.current;
        if (connection != null) {
            connection.live = false;
            retire(connection);
        }
        this.reopenAttempt = 0;
        setState(ConnectionState.CONNECTING, ConnectionReason.IDENTITY_CHANGED, next.get().toString());
        connect();
    }

    private void tick() {
        this.queue.expire();
        Connection connection = this.current;
        if (connection != null && connection.live) {
            this.queue.pump(); // messages the SDK gave back are resent from here, not from its thread
        } else if (connection == null && this.reopenTask == null && state() == ConnectionState.WAITING) {
            connect(); // a missed event must not leave us waiting forever
        }
    }

    private void shutDown(boolean handOver) {
        cancel(this.tickTask);
        cancel(this.reopenTask);
        cancel(this.plannedTask);
        Connection connection = this.current;
        if (handOver) {
            this.queue.hold();
            try {
                this.queue.awaitNoneInFlight(this.settings.drainTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (connection != null) {
            retire(connection);
        }
        ManagedToken handle = this.token;
        if (handle != null) {
            handle.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // State and plumbing

    private void setState(ConnectionState next, ConnectionReason why, String text) {
        ConnectionEvent event;
        synchronized (this.statusLock) {
            if (this.state == next && this.reason == why && Objects.equals(this.detail, text)) {
                return;
            }
            ConnectionState previous = this.state;
            ConnectionReason previousReason = this.reason;
            Instant now = Instant.ofEpochMilli(this.clock.wallMillis());
            this.state = next;
            this.reason = why;
            this.detail = text;
            this.since = now;
            if (next == ConnectionState.CONNECTED) {
                this.connectedSince = now;
            } else if (previous == ConnectionState.CONNECTED) {
                this.connectedSince = null;
            }
            event = new ConnectionEvent(previous, snapshot());
            log(previousReason, next, why, text);
        }
        for (ConnectionListener listener : this.connectionListeners) {
            dispatch(() -> listener.onConnectionEvent(event));
        }
    }

    /** Caller holds statusLock. Problems are logged once per kind, not at every retry. */
    private void log(ConnectionReason previousReason, ConnectionState next, ConnectionReason why, String text) {
        String name = this.settings.name();
        switch (next) {
        case CONNECTED:
            this.lastLoggedProblem = null;
            if (previousReason == ConnectionReason.TOKEN_RENEWAL && this.lastPlannedGap != null) {
                LOG.info("{}: reconnected {} with the renewed token ({} ms without connection)", name,
                        this.statusIdentity, this.lastPlannedGap.toMillis());
            } else {
                LOG.info("{}: connected to IoT Hub as {} over {}", name, this.statusIdentity,
                        this.settings.transport());
            }
            break;
        case CONNECTING:
        case RENEWING:
            LOG.debug("{}: {} ({})", name, next, why);
            break;
        case CLOSED:
            LOG.info("{}: closed", name);
            break;
        default:
            String kind = next + "/" + why;
            if (kind.equals(this.lastLoggedProblem)) {
                LOG.debug("{}: {} ({}): {}", name, next, why, text);
            } else {
                this.lastLoggedProblem = kind;
                if (why == ConnectionReason.EXPIRED_SAS_TOKEN || next == ConnectionState.WAITING) {
                    LOG.info("{}: {} ({}): {}", name, next, why, text);
                } else {
                    LOG.warn("{}: {} ({}): {}", name, next, why, text);
                }
            }
        }
    }

    /** Caller holds statusLock. */
    private ConnectionStatus snapshot() {
        long[] messages = this.queue.counters();
        long total = this.disconnectedTotalNanos;
        if (this.disconnectedSinceNanos >= 0) {
            total += this.clock.monotonicNanos() - this.disconnectedSinceNanos;
        }
        return ConnectionStatus.builder().name(this.settings.name()).identity(this.statusIdentity)
                .transport(this.settings.transport()).state(this.state, this.reason, this.detail, this.since)
                .connectedSince(this.connectedSince)
                .reconnects(this.connectAttempts, this.connects, this.plannedReconnects, this.unplannedReconnects,
                        this.expiryDisconnects)
                .credentials(this.badCredentials, this.reprovisionRequests)
                .messages(messages[0], messages[1], messages[2], messages[3], messages[4])
                .queue(this.queue.waitingCount(), this.queue.inFlightCount(), this.queue.capacity())
                .gaps(this.lastPlannedGap, this.maxPlannedGap, Duration.ofNanos(total))
                .configurationProblems(this.settings.configurationProblems())
                .configurationWarnings(this.settings.configurationWarnings())
                .cloudToDevice(this.cloudToDeviceReceived, this.cloudToDeviceTaken, this.cloudToDeviceReturned,
                        this.cloudToDeviceGivenUp)
                .build();
    }

    private void post(Runnable task) {
        try {
            this.supervisor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        try {
            return this.supervisor.schedule(guarded(task), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("{}: unexpected failure in the connection supervisor", this.settings.name(), e);
            }
        };
    }

    private void dispatch(Runnable task) {
        try {
            this.callbacks.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("{}: a listener failed", this.settings.name(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * Runs the listeners on the callback thread and waits, at most the cloud-to-device timeout, for them: only a
     * message every listener returned from normally is acknowledged to the hub (at least once to applications).
     * Called on the SDK's receive thread, which therefore takes one message at a time: a flood waits at the hub,
     * not in our memory.
     */
    private CloudToDeviceDisposition deliverCloudToDevice(CloudToDeviceMessage message, long connectionId) {
        String name = this.settings.name();
        String id = message.messageId().map(Redactor::excerpt).orElse("(no id)");
        synchronized (this.statusLock) {
            this.cloudToDeviceReceived++;
        }
        LOG.debug("{}: cloud-to-device message {} (connection {})", name, id, connectionId);
        List<CloudToDeviceListener> listeners = List.copyOf(this.cloudToDeviceListeners);
        boolean taken;
        if (this.closed) {
            taken = false;
        } else if (listeners.isEmpty()) {
            LOG.info("{}: cloud-to-device message {} arrived while no listener is registered; acknowledged",
                    name, id);
            taken = true;
        } else {
            taken = runListeners(listeners, message, id);
        }
        String key = DeliveryCounts.keyOf(message);
        if (taken) {
            this.failedDeliveries.forget(key);
            synchronized (this.statusLock) {
                this.cloudToDeviceTaken++;
            }
            return CloudToDeviceDisposition.TAKEN;
        }
        int failures = this.failedDeliveries.increment(key);
        if (failures >= this.settings.cloudToDeviceMaxDeliveries()) {
            this.failedDeliveries.forget(key);
            synchronized (this.statusLock) {
                this.cloudToDeviceGivenUp++;
            }
            LOG.warn("{}: cloud-to-device message {} was not taken by the listeners in {} deliveries; giving it up "
                    + "({})", name, id, failures, this.settings.transport().reconnectsToRenew()
                            ? "acknowledged: MQTT has no reject" : "rejected: IoT Hub dead-letters it");
            return CloudToDeviceDisposition.GIVE_UP;
        }
        synchronized (this.statusLock) {
            this.cloudToDeviceReturned++;
        }
        LOG.warn("{}: cloud-to-device message {} was not taken by the listeners (delivery {} of {}); left with IoT "
                + "Hub for redelivery", name, id, failures, this.settings.cloudToDeviceMaxDeliveries());
        return CloudToDeviceDisposition.RETURN;
    }

    private boolean runListeners(List<CloudToDeviceListener> listeners, CloudToDeviceMessage message, String id) {
        CompletableFuture<Boolean> verdict = new CompletableFuture<>();
        try {
            this.callbacks.execute(() -> {
                boolean all = true;
                for (CloudToDeviceListener listener : listeners) {
                    try {
                        listener.onCloudToDeviceMessage(message);
                    } catch (RuntimeException | LinkageError | AssertionError e) {
                        all = false;
                        // The type only: a listener's exception text may quote the message's content.
                        LOG.warn("{}: a cloud-to-device listener failed on message {}: {}", this.settings.name(), id,
                                e.getClass().getName());
                    }
                }
                verdict.complete(all);
            });
        } catch (RejectedExecutionException e) {
            return false; // closing: the hub keeps the message
        }
        try {
            return verdict.get(this.settings.cloudToDeviceTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{}: cloud-to-device listeners did not return within {} ms on message {}", this.settings.name(),
                    this.settings.cloudToDeviceTimeout().toMillis(), id);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static void cancel(ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    private static boolean awaitTermination(ExecutorService executor, Duration timeout) {
        try {
            return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One client and what we know about it. Its callbacks arrive on SDK threads and are posted to ours. */
    private final class Connection implements HubClientListener {

        final long id;
        final ManagedToken tokenHandle;
        volatile HubClient client;
        /** {@code se} of the last token handed to this client's SDK. */
        volatile long tokenExpiry = TokenExpiry.UNKNOWN;
        boolean live;
        long connectedAtNanos;

        Connection(long id, ManagedToken tokenHandle) {
            this.id = id;
            this.tokenHandle = tokenHandle;
        }

        /** The SDK's SasTokenProvider: from memory, never null, never throws, never blocks. */
        char[] token() {
            char[] value = this.tokenHandle.sasToken();
            long expiry = TokenExpiry.epochSeconds(value);
            if (expiry != TokenExpiry.UNKNOWN) {
                this.tokenExpiry = expiry;
            }
            return value;
        }

        @Override
        public void onStatus(ClientStatus status, ConnectionReason why, String text) {
            post(() -> onClientStatus(this, status, why, text));
        }

        @Override
        public CloudToDeviceDisposition onCloudToDevice(CloudToDeviceMessage message) {
            return deliverCloudToDevice(message, this.id);
        }
    }
}
