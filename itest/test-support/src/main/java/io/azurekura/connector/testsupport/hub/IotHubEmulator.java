package io.azurekura.connector.testsupport.hub;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.testsupport.hub.HubCounters.Counter;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyStoreOptions;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.proton.ProtonServerOptions;

/**
 * A loopback IoT Hub for the real Azure device SDK: MQTT 3.1.1 over TLS on 127.0.0.1 (port 8883 by default, which
 * the SDK hard-codes), built on the Vert.x MQTT server. It checks every CONNECT like IoT Hub (client id, username,
 * SAS token signature, audience and expiry), closes connections when their token expires (after a configurable
 * grace), kicks the older of two connections with one client id, keeps persistent sessions, records telemetry and
 * delivers cloud-to-device messages, direct methods and twin traffic. Test support only, never shipped.
 * <p>
 * The same hub also speaks AMQP 1.0 over TLS on 127.0.0.1 (port 5671 by default, also fixed in the SDK), built on
 * Vert.x Proton: SASL ANONYMOUS, CBS put-token authorization per identity (any number of identities per connection,
 * as the SDK's MultiplexingClient uses it), in-place renewal by later put-tokens, telemetry and cloud-to-device
 * links, and an identity's links detached when its token lapses without a renewal. Both transports share the device
 * registry, the counters, the connection log, the telemetry log and the cloud-to-device queues.
 * <p>
 * All protocol state lives on one Vert.x event loop; the public methods are safe to call from any thread except that
 * event loop (the blocking ones refuse to run there).
 */
public final class IotHubEmulator implements AutoCloseable {

    /** IoT Hub's MQTT port; the SDK's MQTT transport cannot use another (MqttIotHubConnection, ":8883"). */
    public static final int IOT_HUB_MQTT_PORT = 8883;
    /** IoT Hub's AMQPS port; the SDK's AMQPS transport cannot use another (AmqpsIotHubConnection.AMQP_PORT). */
    public static final int IOT_HUB_AMQP_PORT = IotHubAmqp.PORT;
    /** How late IoT Hub may cut a connection whose token expired (SDK e2e TokenRenewalTests: "10 minute grace"). */
    public static final Duration IOT_HUB_EXPIRY_GRACE = Duration.ofMinutes(10);
    /** Host names accepted by default: the SDK's connection-string constructors cannot take "localhost". */
    public static final List<String> DEFAULT_HOST_NAMES = List.of("localhost", "127.0.0.1");

    private static final Logger LOG = LoggerFactory.getLogger(IotHubEmulator.class);
    private static final String BIND_ADDRESS = "127.0.0.1";
    private static final long BLOCKING_CALL_TIMEOUT_SECONDS = 30;
    /** IoT Hub's device-to-cloud limit is 256 KiB per message; the topic carries the property bag on top. */
    private static final int MAX_MQTT_PACKET_BYTES = 256 * 1024 + 64 * 1024;
    /** Device and module ids are up to 128 characters each, joined by '/'. */
    private static final int MAX_CLIENT_ID_LENGTH = 257;
    /** Builder value: no AMQP front end. */
    private static final int AMQP_OFF = -1;
    /** Builder value: IoT Hub's port when MQTT uses IoT Hub's port, otherwise a free one. */
    private static final int AMQP_AUTO = -2;

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final MqttServerOptions serverOptions;
    private final DeviceRegistry registry = new DeviceRegistry();
    private final ConnectAuthenticator authenticator;
    private final HubCounters counters = new HubCounters();
    private final AmqpHubEndpoint amqp;

    private volatile Set<String> acceptedHostNames;
    private volatile Duration expiryGrace;
    private volatile boolean throttled;
    private volatile MqttServer server;
    private volatile int port;
    private volatile int amqpPort;
    private volatile boolean closed;
    // Fault switches for hostile-hub tests (MQTT side).
    private volatile boolean withholdTelemetryAcks;
    private volatile int forcedConnectReturnCode = -1;
    private final AtomicLong socketClosesOnTelemetry = new AtomicLong();

    private final Map<String, HubConnection> live = new ConcurrentHashMap<>();
    private final Map<String, HubSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentLinkedDeque<CloudToDeviceMessage>> cloudToDeviceQueues =
            new ConcurrentHashMap<>();
    private final Map<String, TwinDocument> twins = new ConcurrentHashMap<>();
    private final Map<String, PendingMethod> pendingMethods = new ConcurrentHashMap<>();
    private final Map<String, List<String>> subscribeLog = new ConcurrentHashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong();
    private final List<TelemetryMessage> messages = new ArrayList<>();
    private final List<ConnectionEvent> events = new ArrayList<>();

    private record PendingMethod(String clientId, CompletableFuture<MethodResponse> result, long timer) {
    }

    private IotHubEmulator(Builder builder) {
        this.clock = builder.clock;
        this.acceptedHostNames = Set.copyOf(builder.hostNames);
        this.expiryGrace = builder.expiryGrace;
        this.port = builder.port;
        this.authenticator = new ConnectAuthenticator(this.registry, () -> this.acceptedHostNames);
        this.serverOptions = new MqttServerOptions()
                .setHost(BIND_ADDRESS)
                .setSsl(true)
                .setKeyCertOptions(keyStore(builder.pki))
                .setAutoClientId(false)
                .setMaxClientIdLength(MAX_CLIENT_ID_LENGTH)
                .setMaxMessageSize(MAX_MQTT_PACKET_BYTES);
        // One event loop: every handler, timer and API call runs on the same thread, so protocol state needs no locks
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        this.context = this.vertx.getOrCreateContext();
        if (builder.amqpPort == AMQP_OFF) {
            this.amqp = null;
            this.amqpPort = AMQP_OFF;
        } else {
            this.amqpPort = builder.amqpPort != AMQP_AUTO ? builder.amqpPort
                    : builder.port == IOT_HUB_MQTT_PORT ? IOT_HUB_AMQP_PORT : 0;
            HubState state = new HubState(this.vertx, this.clock, this.registry, this.counters,
                    () -> this.acceptedHostNames, () -> this.expiryGrace, () -> this.throttled, this::log,
                    this::record, deviceId -> this.cloudToDeviceQueues.computeIfAbsent(deviceId,
                            k -> new ConcurrentLinkedDeque<>()));
            ProtonServerOptions amqpOptions = new ProtonServerOptions().setHost(BIND_ADDRESS).setSsl(true)
                    .setKeyCertOptions(keyStore(builder.pki));
            this.amqp = new AmqpHubEndpoint(state, amqpOptions,
                    clientId -> this.twins.computeIfAbsent(clientId, k -> new TwinDocument()).toJson());
        }
    }

    private static KeyStoreOptions keyStore(TestPki pki) {
        return new KeyStoreOptions()
                .setType("PKCS12")
                .setValue(Buffer.buffer(TestPki.toBytes(pki.serverKeyStore())))
                .setPassword(new String(TestPki.PASSWORD))
                .setAlias(TestPki.SERVER_ALIAS)
                .setAliasPassword(new String(TestPki.PASSWORD));
    }

    /** A builder with IoT Hub's ports, both default host names, no expiry grace and the shared test PKI. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts an emulator. */
    public static final class Builder {
        private int port = IOT_HUB_MQTT_PORT;
        private int amqpPort = AMQP_AUTO;
        private final Set<String> hostNames = new LinkedHashSet<>(DEFAULT_HOST_NAMES);
        private Duration expiryGrace = Duration.ZERO;
        private TestPki pki = TestPki.shared();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The port on 127.0.0.1; 0 picks a free one (only for clients other than the SDK). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range");
            }
            this.port = port;
            return this;
        }

        /**
         * The AMQPS port on 127.0.0.1; 0 picks a free one. Default: 5671 (the SDK's fixed port) when the MQTT port is
         * 8883, otherwise a free port, so emulators started on free ports for other clients never hold 5671.
         */
        public Builder amqpPort(int amqpPort) {
            if (amqpPort < 0 || amqpPort > 65535) {
                throw new IllegalArgumentException("port out of range");
            }
            this.amqpPort = amqpPort;
            return this;
        }

        /** MQTT only: no AMQP front end. */
        public Builder withoutAmqp() {
            this.amqpPort = AMQP_OFF;
            return this;
        }

        /** The hub host names accepted in usernames and token audiences (replaces the defaults). */
        public Builder hostNames(String... hostNames) {
            if (hostNames.length == 0) {
                throw new IllegalArgumentException("at least one host name");
            }
            this.hostNames.clear();
            this.hostNames.addAll(List.of(hostNames));
            return this;
        }

        /** How long after the token's {@code se} the hub closes the connection (IoT Hub: up to ~10 min). */
        public Builder expiryGrace(Duration grace) {
            this.expiryGrace = requireNonNegative(grace);
            return this;
        }

        /** The PKI whose server certificate the emulator presents. */
        public Builder pki(TestPki pki) {
            this.pki = pki;
            return this;
        }

        /** The clock for token validation, expiry drops and timestamps (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Creates the emulator and starts listening; close it when done. */
        public IotHubEmulator start() {
            IotHubEmulator emulator = new IotHubEmulator(this);
            try {
                emulator.start();
            } catch (RuntimeException e) {
                emulator.close();
                throw e;
            }
            return emulator;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Registry and configuration

    /** Registers (or replaces) a device with its primary key, base64. */
    public IotHubEmulator addDevice(String deviceId, String base64Key) {
        this.registry.add(deviceId, null, base64Key);
        return this;
    }

    /** Registers (or replaces) a module identity; its client id is {@code deviceId/moduleId}. */
    public IotHubEmulator addModule(String deviceId, String moduleId, String base64Key) {
        if (moduleId == null) {
            throw new IllegalArgumentException("moduleId");
        }
        this.registry.add(deviceId, moduleId, base64Key);
        return this;
    }

    /** Removes a device from the registry (an open connection stays until it reconnects). */
    public boolean removeDevice(String deviceId) {
        return this.registry.remove(deviceId, null);
    }

    public boolean removeModule(String deviceId, String moduleId) {
        return this.registry.remove(deviceId, moduleId);
    }

    /** Replaces the accepted host names. */
    public void setHostNames(String... hostNames) {
        if (hostNames.length == 0) {
            throw new IllegalArgumentException("at least one host name");
        }
        this.acceptedHostNames = Set.copyOf(List.of(hostNames));
    }

    public Set<String> hostNames() {
        return this.acceptedHostNames;
    }

    /** Changes the expiry grace for connections accepted from now on. */
    public void setExpiryGrace(Duration grace) {
        this.expiryGrace = requireNonNegative(grace);
    }

    public Duration expiryGrace() {
        return this.expiryGrace;
    }

    /**
     * While on, every CONNECT is refused with CONNACK 3 "server unavailable" (retried by the SDK), and every new AMQP
     * connection is closed with {@code amqp:resource-limit-exceeded}.
     */
    public void throttle(boolean on) {
        this.throttled = on;
    }

    /**
     * Fault: telemetry is recorded but never acknowledged (no PUBACK), as a hub that accepted the connection and
     * then stalls. Off again: later telemetry is acknowledged as usual (earlier PUBACKs stay missing).
     */
    public void withholdTelemetryAcks(boolean on) {
        this.withholdTelemetryAcks = on;
    }

    /**
     * Fault: answer every CONNECT with this CONNACK return code (MQTT 3.1.1: 1 to 5; other values are sent as the
     * raw byte where Vert.x can encode them, otherwise the socket is closed without a CONNACK). -1 turns it off.
     */
    public void refuseConnectsWith(int returnCode) {
        this.forcedConnectReturnCode = returnCode;
    }

    /** Fault: the next {@code count} telemetry PUBLISH packets make the hub close the socket instead of a PUBACK. */
    public void closeSocketOnNextTelemetry(int count) {
        this.socketClosesOnTelemetry.set(count);
    }

    public boolean isThrottled() {
        return this.throttled;
    }

    /** The port on 127.0.0.1 (the actual one when built with port 0). */
    public int port() {
        return this.port;
    }

    /** The AMQPS port on 127.0.0.1 (the actual one when built with port 0); -1 without AMQP. */
    public int amqpPort() {
        return this.amqpPort;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Availability

    /** Starts listening again on the same port after {@link #stop()}; no-op when running. */
    public synchronized void start() {
        if (this.closed) {
            throw new IllegalStateException("emulator closed");
        }
        if (this.server != null) {
            return;
        }
        MqttServer created = awaitOnLoop(() -> {
            MqttServer mqttServer = MqttServer.create(this.vertx, this.serverOptions);
            mqttServer.endpointHandler(this::onConnect);
            mqttServer.exceptionHandler(e -> LOG.debug("MQTT server error: {}", e.toString()));
            return mqttServer.listen(this.port, BIND_ADDRESS);
        });
        this.port = created.actualPort();
        this.server = created;
        if (this.amqp != null) {
            try {
                this.amqpPort = awaitOnLoop(() -> this.amqp.listen(this.amqpPort, BIND_ADDRESS));
            } catch (RuntimeException e) {
                stop();
                throw e;
            }
        }
        LOG.info("IoT Hub emulator listening on {}:{} (MQTT){}", BIND_ADDRESS, this.port,
                this.amqp == null ? "" : " and " + this.amqpPort + " (AMQPS)");
    }

    /** Simulates a hub outage: closes every connection ({@link DisconnectReason#HUB_STOPPED}), stops listening. */
    public synchronized void stop() {
        MqttServer running = this.server;
        if (running == null) {
            return;
        }
        this.server = null;
        awaitOnLoop(() -> {
            for (HubConnection connection : List.copyOf(this.live.values())) {
                retire(connection, DisconnectReason.HUB_STOPPED, true);
            }
            Future<Void> amqpClosed = this.amqp == null ? Future.succeededFuture()
                    : this.amqp.close(DisconnectReason.HUB_STOPPED);
            return Future.all(running.close(), amqpClosed);
        });
        LOG.info("IoT Hub emulator stopped listening on port {}", this.port);
    }

    public boolean isRunning() {
        return this.server != null;
    }

    /** Stops listening, closes every connection and stops every Vert.x thread; the port is free afterwards. */
    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        try {
            stop();
        } finally {
            this.closed = true;
            for (PendingMethod pending : List.copyOf(this.pendingMethods.values())) {
                pending.result.completeExceptionally(new IllegalStateException("emulator closed"));
            }
            this.pendingMethods.clear();
            try {
                this.vertx.close().toCompletionStage().toCompletableFuture()
                        .get(BLOCKING_CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("Vert.x did not close cleanly: {}", e.toString());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Connections

    /**
     * Client ids with an accepted, open MQTT connection or, over AMQP, authorized on a connection with links
     * attached.
     */
    public Set<String> connectedClientIds() {
        Set<String> ids = new LinkedHashSet<>(this.live.keySet());
        if (this.amqp != null) {
            ids.addAll(this.amqp.connectedClientIds());
        }
        return Set.copyOf(ids);
    }

    /** @param clientId {@code deviceId} or {@code deviceId/moduleId} */
    public boolean isConnected(String clientId) {
        return this.live.containsKey(clientId) || this.amqp != null && this.amqp.isConnected(clientId);
    }

    /** True when the identity is connected over AMQP (authorized on a connection, links attached). */
    public boolean isConnectedOverAmqp(String clientId) {
        return this.amqp != null && this.amqp.isConnected(clientId);
    }

    /**
     * Closes a client's connection as a network or hub fault would (no CONNACK, no DISCONNECT). Over AMQP that is
     * the whole connection, with every identity multiplexed on it, closed with {@code amqp:connection:forced}.
     */
    public boolean dropConnection(String clientId) {
        return awaitOnLoop(() -> {
            HubConnection connection = this.live.get(clientId);
            if (connection == null) {
                return Future.succeededFuture(this.amqp != null && this.amqp.dropConnectionOf(clientId));
            }
            retire(connection, DisconnectReason.DROPPED_BY_TEST, true);
            return Future.succeededFuture(true);
        });
    }

    /**
     * Detaches one AMQP identity's links ({@code amqp:link:detach-forced}) and ends its authorization, leaving its
     * connection and the other identities on it alone.
     */
    public boolean detachAmqpIdentity(String clientId) {
        return this.amqp != null && awaitOnLoop(() -> Future.succeededFuture(this.amqp.detach(clientId)));
    }

    /** Closes every AMQP connection as a hub-side fault does; returns how many there were. */
    public int dropAmqpConnections() {
        return this.amqp == null ? 0 : awaitOnLoop(() -> Future.succeededFuture(this.amqp.dropAll()));
    }

    /** AMQP connections open right now (TCP connections used by AMQP clients). */
    public int openAmqpConnections() {
        return this.amqp == null ? 0 : this.amqp.openConnections();
    }

    public HubCounters counters() {
        return this.counters;
    }

    /** The connection log, oldest first. */
    public List<ConnectionEvent> connectionEvents() {
        synchronized (this.events) {
            return List.copyOf(this.events);
        }
    }

    public List<ConnectionEvent> connectionEvents(String clientId) {
        synchronized (this.events) {
            return this.events.stream().filter(e -> e.clientId().equals(clientId)).toList();
        }
    }

    /**
     * For each disconnection of the client that was followed by a new accepted connection, the time in between (zero
     * when the new connection kicked the old one). A disconnection with no reconnection yet is not included.
     */
    public List<Duration> reconnectGaps(String clientId) {
        List<Duration> gaps = new ArrayList<>();
        Instant disconnectedAt = null;
        for (ConnectionEvent event : connectionEvents(clientId)) {
            if (event.kind() == ConnectionEvent.Kind.DISCONNECTED && disconnectedAt == null) {
                disconnectedAt = event.time();
            } else if (event.kind() == ConnectionEvent.Kind.CONNECTED && disconnectedAt != null) {
                gaps.add(Duration.between(disconnectedAt, event.time()));
                disconnectedAt = null;
            }
        }
        return gaps;
    }

    public void clearConnectionEvents() {
        synchronized (this.events) {
            this.events.clear();
        }
    }

    /** The client's session subscriptions (topic filter to granted QoS); empty when it has no session. */
    public Map<String, Integer> subscriptions(String clientId) {
        HubSession session = this.sessions.get(clientId);
        return session == null ? Map.of() : Map.copyOf(session.subscriptions);
    }

    /** Every topic filter the client sent in SUBSCRIBE packets, in order (to see what the SDK re-subscribes). */
    public List<String> subscribeRequests(String clientId) {
        List<String> log = this.subscribeLog.get(clientId);
        return log == null ? List.of() : List.copyOf(log);
    }

    /** Zeroes the counters and clears recorded messages, the connection log and the subscribe log. */
    public void reset() {
        this.counters.reset();
        clearMessages();
        clearConnectionEvents();
        this.subscribeLog.clear();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Telemetry

    /** Every accepted telemetry message, oldest first. */
    public List<TelemetryMessage> messages() {
        synchronized (this.messages) {
            return List.copyOf(this.messages);
        }
    }

    /** @param clientId {@code deviceId} or {@code deviceId/moduleId} */
    public List<TelemetryMessage> messages(String clientId) {
        synchronized (this.messages) {
            return this.messages.stream().filter(m -> m.clientId().equals(clientId)).toList();
        }
    }

    /**
     * Waits until at least {@code count} messages were recorded (since creation or the last clear).
     *
     * @return all recorded messages
     * @throws AssertionError when fewer arrived within the timeout
     */
    public List<TelemetryMessage> awaitMessages(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this.messages) {
            while (this.messages.size() < count) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new AssertionError("expected " + count + " telemetry messages within " + timeout
                            + ", got " + this.messages.size());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this.messages, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for telemetry", e);
                }
            }
            return List.copyOf(this.messages);
        }
    }

    public void clearMessages() {
        synchronized (this.messages) {
            this.messages.clear();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cloud to device

    /**
     * Queues a cloud-to-device message. It is published (QoS 1, topic {@code devices/{id}/messages/devicebound/{bag}})
     * as soon as the device is connected and subscribed to {@code devices/{id}/messages/devicebound/#}, and re-queued
     * if the connection ends before the device's PUBACK. Over AMQP it is sent on the device's
     * {@code /devices/{id}/messages/devicebound} link once that has credit, and re-queued unless the device accepts
     * (or rejects) it.
     *
     * @param properties application properties, plus system properties keyed {@code $.xx} (e.g. {@code $.mid},
     *            {@code $.cid}, {@code $.ct}, {@code $.ce}); a message id is generated when {@code $.mid} is absent
     * @throws IllegalArgumentException for an unknown device (or a module), or an empty property key or value (the
     *             SDK's parser splits each pair on {@code =} and cannot read an empty value)
     */
    public CloudToDeviceMessage sendCloudToDevice(String deviceId, byte[] body, Map<String, String> properties) {
        DeviceRegistry.Identity identity = this.registry.find(deviceId);
        if (identity == null || identity.moduleId() != null) {
            // IoT Hub has no cloud-to-device queue for modules
            throw new IllegalArgumentException("unknown device " + deviceId);
        }
        Map<String, String> system = new LinkedHashMap<>();
        Map<String, String> application = new LinkedHashMap<>();
        String messageId = properties.getOrDefault(IotHubMqttTopics.MESSAGE_ID, UUID.randomUUID().toString());
        system.put(IotHubMqttTopics.MESSAGE_ID, messageId);
        system.put(IotHubMqttTopics.TO, IotHubMqttTopics.cloudToDeviceAddress(deviceId));
        for (Map.Entry<String, String> property : properties.entrySet()) {
            if (property.getKey().isEmpty() || property.getValue() == null || property.getValue().isEmpty()) {
                throw new IllegalArgumentException("empty property key or value");
            }
            if (property.getKey().startsWith(IotHubMqttTopics.SYSTEM_PROPERTY_PREFIX)) {
                system.putIfAbsent(property.getKey(), property.getValue());
            } else {
                application.put(property.getKey(), property.getValue());
            }
        }
        CloudToDeviceMessage message = new CloudToDeviceMessage(deviceId, messageId, body, system, application,
                this.clock.instant());
        this.context.runOnContext(v -> {
            this.cloudToDeviceQueues.computeIfAbsent(deviceId, k -> new ConcurrentLinkedDeque<>()).addLast(message);
            deliverCloudToDevice(deviceId);
        });
        return message;
    }

    /** Messages queued for the device and not yet published (in-flight ones are not counted). */
    public int pendingCloudToDevice(String deviceId) {
        ConcurrentLinkedDeque<CloudToDeviceMessage> queue = this.cloudToDeviceQueues.get(deviceId);
        return queue == null ? 0 : queue.size();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Direct methods and twin

    /**
     * Invokes a direct method: publishes {@code $iothub/methods/POST/{name}/?$rid=...} (QoS 0, as IoT Hub does) and
     * completes with the device's response. Fails at once when the client is offline or not subscribed to
     * {@code $iothub/methods/POST/#} (IoT Hub answers 404 then), or with a {@link TimeoutException} after the timeout.
     */
    public CompletableFuture<MethodResponse> invokeMethod(String clientId, String methodName, String payload,
            Duration timeout) {
        CompletableFuture<MethodResponse> result = new CompletableFuture<>();
        this.context.runOnContext(v -> {
            if (this.amqp != null && this.amqp.invokeMethod(clientId, methodName, payload, timeout, result)) {
                return;
            }
            String requestId = Long.toHexString(this.nextRequestId.incrementAndGet());
            String topic = IotHubMqttTopics.methodRequestTopic(methodName, requestId);
            HubConnection connection = this.live.get(clientId);
            if (connection == null || connection.session.grantedQos(topic) < 0) {
                result.completeExceptionally(new IllegalStateException(
                        clientId + " is not connected or not subscribed to direct methods"));
                return;
            }
            long timer = this.vertx.setTimer(Math.max(1, timeout.toMillis()), t -> {
                PendingMethod expired = this.pendingMethods.remove(requestId);
                if (expired != null) {
                    expired.result.completeExceptionally(
                            new TimeoutException("no response to " + methodName + " within " + timeout));
                }
            });
            this.pendingMethods.put(requestId, new PendingMethod(clientId, result, timer));
            connection.endpoint.publish(topic, Buffer.buffer(payload == null ? "" : payload), MqttQoS.AT_MOST_ONCE,
                    false, false);
        });
        return result;
    }

    /**
     * Merges a patch into the desired properties and, when the client is connected and subscribed to
     * {@code $iothub/twin/PATCH/properties/desired/#}, publishes it with the new {@code $version}.
     *
     * @return true when it was published to the client
     */
    public boolean updateDesiredProperties(String clientId, String jsonPatch) {
        return awaitOnLoop(() -> {
            String published = this.twins.computeIfAbsent(clientId, k -> new TwinDocument()).patchDesired(jsonPatch);
            long version = this.twins.get(clientId).desiredVersion();
            HubConnection connection = this.live.get(clientId);
            String topic = IotHubMqttTopics.desiredPatchTopic(version);
            if (connection == null || connection.session.grantedQos(topic) < 0) {
                return Future.succeededFuture(false);
            }
            connection.endpoint.publish(topic, Buffer.buffer(published), MqttQoS.AT_MOST_ONCE, false, false);
            return Future.succeededFuture(true);
        });
    }

    /** The reported properties the client sent, with {@code $version}, as JSON. */
    public String reportedProperties(String clientId) {
        return awaitOnLoop(() -> Future.succeededFuture(
                this.twins.computeIfAbsent(clientId, k -> new TwinDocument()).reportedJson()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Event-loop side

    private void onConnect(MqttEndpoint endpoint) {
        String clientId = endpoint.clientIdentifier();
        this.counters.increment(Counter.CONNECT_ATTEMPTS, clientId);
        ConnectRefusal refusal;
        ConnectAuthenticator.Outcome outcome = null;
        int forced = this.forcedConnectReturnCode;
        if (forced >= 0) {
            rejectWith(endpoint, clientId, forced);
            return;
        }
        if (this.throttled) {
            refusal = ConnectRefusal.THROTTLED;
        } else if (endpoint.protocolVersion() != IotHubMqttTopics.MQTT_3_1_1) {
            refusal = ConnectRefusal.UNSUPPORTED_PROTOCOL;
        } else {
            MqttAuth auth = endpoint.auth();
            outcome = this.authenticator.authenticate(clientId, auth == null ? null : auth.getUsername(),
                    auth == null ? null : auth.getPassword(), this.clock.instant().getEpochSecond());
            refusal = outcome.refusal();
        }
        if (refusal != null) {
            refuse(endpoint, clientId, refusal);
            return;
        }

        Instant now = this.clock.instant();
        HubConnection previous = this.live.get(clientId);
        if (previous != null) {
            // IoT Hub allows one connection per identity: the newer one wins, with no gap in between
            this.counters.increment(Counter.KICKS, clientId);
            retire(previous, DisconnectReason.KICKED, true, now);
        }
        HubSession session = this.sessions.get(clientId);
        boolean sessionPresent = !endpoint.isCleanSession() && session != null && session.persistent;
        if (!sessionPresent) {
            session = new HubSession(clientId, !endpoint.isCleanSession());
            this.sessions.put(clientId, session);
        }
        Instant tokenExpiry = Instant.ofEpochSecond(outcome.tokenExpiryEpochSeconds());
        HubConnection connection = new HubConnection(endpoint, outcome.identity(), session, tokenExpiry);
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        endpoint.publishHandler(message -> onPublish(connection, message));
        endpoint.subscribeHandler(message -> onSubscribe(connection, message));
        endpoint.unsubscribeHandler(message -> onUnsubscribe(connection, message));
        endpoint.publishAcknowledgeHandler(packetId -> onPublishAcknowledged(connection, packetId));
        endpoint.disconnectHandler(v -> {
            // Vert.x closes the endpoint itself right after this handler
            connection.clientSentDisconnect = true;
            retire(connection, DisconnectReason.CLIENT_DISCONNECT, false);
        });
        endpoint.closeHandler(v -> retire(connection, connection.clientSentDisconnect
                ? DisconnectReason.CLIENT_DISCONNECT : DisconnectReason.CONNECTION_LOST, false));
        endpoint.exceptionHandler(e -> LOG.debug("connection of {}: {}", clientId, e.toString()));

        this.live.put(clientId, connection);
        endpoint.accept(sessionPresent);
        this.counters.increment(Counter.CONNECTS, clientId);
        log(ConnectionEvent.connected(now, clientId, tokenExpiry, HubTransport.MQTT));
        LOG.info("{} connected (session present: {}, token expires {})", clientId, sessionPresent, tokenExpiry);

        long delay = Math.max(1, tokenExpiry.toEpochMilli() + this.expiryGrace.toMillis() - this.clock.millis());
        connection.expiryTimer = this.vertx.setTimer(delay, t -> {
            if (!connection.retired) {
                this.counters.increment(Counter.EXPIRY_DROPS, clientId);
                retire(connection, DisconnectReason.TOKEN_EXPIRED, true);
            }
        });
        if (connection.identity.moduleId() == null) {
            deliverCloudToDevice(clientId);
        }
    }

    private void refuse(MqttEndpoint endpoint, String clientId, ConnectRefusal refusal) {
        this.counters.refused(refusal, clientId);
        log(ConnectionEvent.refused(this.clock.instant(), clientId, refusal, HubTransport.MQTT));
        LOG.info("CONNECT of {} refused: {} (CONNACK {})", clientId, refusal, refusal.returnCode());
        MqttConnectReturnCode code;
        switch (refusal.returnCode()) {
        case 1:
            code = MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION;
            break;
        case 3:
            code = MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
            break;
        default:
            code = MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            break;
        }
        try {
            endpoint.reject(code);
        } catch (RuntimeException e) {
            // e.g. an MQTT 5 client, for which a 3.1.1 return code cannot be encoded
            endpoint.close();
        }
    }

    private void rejectWith(MqttEndpoint endpoint, String clientId, int returnCode) {
        LOG.info("CONNECT of {} refused with forced CONNACK {}", clientId, returnCode);
        try {
            endpoint.reject(MqttConnectReturnCode.valueOf((byte) returnCode));
        } catch (RuntimeException e) {
            // not encodable for a 3.1.1 client (or unknown to Vert.x): the hub just hangs up
            endpoint.close();
        }
    }

    /** Ends a connection once: logs it, stops its expiry timer, re-queues unacknowledged C2D, closes if asked. */
    private void retire(HubConnection connection, DisconnectReason reason, boolean closeSocket) {
        retire(connection, reason, closeSocket, this.clock.instant());
    }

    private void retire(HubConnection connection, DisconnectReason reason, boolean closeSocket, Instant at) {
        if (connection.retired) {
            return;
        }
        connection.retired = true;
        if (connection.expiryTimer >= 0) {
            this.vertx.cancelTimer(connection.expiryTimer);
        }
        String clientId = connection.clientId();
        this.live.remove(clientId, connection);
        log(ConnectionEvent.disconnected(at, clientId, reason, HubTransport.MQTT));
        LOG.info("{} disconnected: {}", clientId, reason);
        if (!connection.inflight.isEmpty()) {
            ConcurrentLinkedDeque<CloudToDeviceMessage> queue = this.cloudToDeviceQueues
                    .computeIfAbsent(connection.identity.deviceId(), k -> new ConcurrentLinkedDeque<>());
            List<CloudToDeviceMessage> unacknowledged = new ArrayList<>(connection.inflight.values());
            Collections.reverse(unacknowledged);
            unacknowledged.forEach(queue::addFirst);
            connection.inflight.clear();
        }
        if (!connection.session.persistent) {
            this.sessions.remove(clientId, connection.session);
        }
        if (closeSocket && connection.endpoint.isConnected()) {
            try {
                connection.endpoint.close();
            } catch (IllegalStateException | IllegalArgumentException e) {
                // closed by the peer in the meantime
            }
        }
    }

    private void onPublish(HubConnection connection, MqttPublishMessage message) {
        if (connection.retired) {
            return;
        }
        String topic = message.topicName();
        if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            violation(connection, "QoS 2 is not supported by IoT Hub");
            return;
        }
        DeviceRegistry.Identity identity = connection.identity;
        String telemetryPrefix = IotHubMqttTopics.telemetryPrefix(identity.deviceId(), identity.moduleId());
        boolean handled;
        if (topic.startsWith(telemetryPrefix)) {
            handled = onTelemetry(connection, message, topic.substring(telemetryPrefix.length()));
        } else if (topic.startsWith(IotHubMqttTopics.TWIN_GET_PREFIX)) {
            handled = onTwinGet(connection, topic);
        } else if (topic.startsWith(IotHubMqttTopics.TWIN_PATCH_REPORTED_PREFIX)) {
            handled = onReportedPatch(connection, topic, message.payload().toString(StandardCharsets.UTF_8));
        } else if (topic.startsWith(IotHubMqttTopics.METHOD_RESPONSE_PREFIX)) {
            handled = onMethodResponse(connection, topic, message.payload().toString(StandardCharsets.UTF_8));
        } else {
            handled = false;
        }
        if (!handled) {
            violation(connection, "publish to a topic IoT Hub refuses: " + topic);
            return;
        }
        boolean telemetry = topic.startsWith(telemetryPrefix);
        if (telemetry && this.socketClosesOnTelemetry.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            retire(connection, DisconnectReason.CONNECTION_LOST, true);
            return;
        }
        if (telemetry && this.withholdTelemetryAcks) {
            return;
        }
        if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            connection.endpoint.publishAcknowledge(message.messageId());
        }
    }

    private boolean onTelemetry(HubConnection connection, MqttPublishMessage message, String bag) {
        PropertyBag properties;
        try {
            properties = PropertyBag.parse(bag);
        } catch (IllegalArgumentException e) {
            return false;
        }
        record(new TelemetryMessage(connection.identity.deviceId(), connection.identity.moduleId(),
                message.topicName(), message.payload().getBytes(), properties, this.clock.instant(),
                message.qosLevel().value(), message.isDup()));
        return true;
    }

    /** Records accepted telemetry from either transport. */
    private void record(TelemetryMessage telemetry) {
        this.counters.increment(Counter.MESSAGES_RECEIVED, telemetry.clientId());
        synchronized (this.messages) {
            this.messages.add(telemetry);
            this.messages.notifyAll();
        }
    }

    private boolean onTwinGet(HubConnection connection, String topic) {
        String requestId = IotHubMqttTopics.queryParameter(topic, IotHubMqttTopics.REQUEST_ID);
        if (requestId == null) {
            return false;
        }
        String document = this.twins.computeIfAbsent(connection.clientId(), k -> new TwinDocument()).toJson();
        publishIfSubscribed(connection, IotHubMqttTopics.twinResponseTopic(200, requestId, null), document);
        return true;
    }

    private boolean onReportedPatch(HubConnection connection, String topic, String body) {
        String requestId = IotHubMqttTopics.queryParameter(topic, IotHubMqttTopics.REQUEST_ID);
        if (requestId == null) {
            return false;
        }
        TwinDocument twin = this.twins.computeIfAbsent(connection.clientId(), k -> new TwinDocument());
        String response;
        try {
            long version = twin.patchReported(body);
            response = IotHubMqttTopics.twinResponseTopic(204, requestId, version);
        } catch (IllegalArgumentException e) {
            response = IotHubMqttTopics.twinResponseTopic(400, requestId, null);
        }
        publishIfSubscribed(connection, response, "");
        return true;
    }

    private boolean onMethodResponse(HubConnection connection, String topic, String body) {
        String rest = topic.substring(IotHubMqttTopics.METHOD_RESPONSE_PREFIX.length());
        int slash = rest.indexOf('/');
        String requestId = IotHubMqttTopics.queryParameter(topic, IotHubMqttTopics.REQUEST_ID);
        if (slash <= 0 || requestId == null) {
            return false;
        }
        int status;
        try {
            status = Integer.parseInt(rest.substring(0, slash));
        } catch (NumberFormatException e) {
            return false;
        }
        PendingMethod pending = this.pendingMethods.get(requestId);
        if (pending != null && pending.clientId.equals(connection.clientId())) {
            this.pendingMethods.remove(requestId);
            this.vertx.cancelTimer(pending.timer);
            pending.result.complete(new MethodResponse(status, body));
        }
        // a late or unknown response is dropped, as IoT Hub does after the method timed out
        return true;
    }

    private void publishIfSubscribed(HubConnection connection, String topic, String body) {
        if (connection.session.grantedQos(topic) >= 0) {
            connection.endpoint.publish(topic, Buffer.buffer(body), MqttQoS.AT_MOST_ONCE, false, false);
        }
    }

    private void violation(HubConnection connection, String what) {
        LOG.info("{}: {}; closing the connection as IoT Hub does", connection.clientId(), what);
        this.counters.increment(Counter.PROTOCOL_VIOLATIONS, connection.clientId());
        retire(connection, DisconnectReason.PROTOCOL_VIOLATION, true);
    }

    private void onSubscribe(HubConnection connection, MqttSubscribeMessage message) {
        DeviceRegistry.Identity identity = connection.identity;
        Set<String> allowed = Set.of(IotHubMqttTopics.cloudToDeviceFilter(identity.deviceId(), identity.moduleId()),
                IotHubMqttTopics.TWIN_RESPONSE_FILTER, IotHubMqttTopics.TWIN_DESIRED_FILTER,
                IotHubMqttTopics.METHODS_FILTER);
        List<MqttQoS> granted = new ArrayList<>();
        List<String> log = this.subscribeLog.computeIfAbsent(connection.clientId(),
                k -> new CopyOnWriteArrayList<>());
        for (MqttTopicSubscription subscription : message.topicSubscriptions()) {
            String filter = subscription.topicName();
            this.counters.increment(Counter.SUBSCRIPTIONS, connection.clientId());
            log.add(filter);
            if (allowed.contains(filter)) {
                // IoT Hub has no QoS 2: it grants at most 1
                int qos = Math.min(subscription.qualityOfService().value(), 1);
                connection.session.subscriptions.put(filter, qos);
                granted.add(MqttQoS.valueOf(qos));
            } else {
                granted.add(MqttQoS.FAILURE);
            }
        }
        connection.endpoint.subscribeAcknowledge(message.messageId(), granted);
        if (identity.moduleId() == null) {
            deliverCloudToDevice(identity.deviceId());
        }
    }

    private void onUnsubscribe(HubConnection connection, MqttUnsubscribeMessage message) {
        message.topics().forEach(connection.session.subscriptions::remove);
        connection.endpoint.unsubscribeAcknowledge(message.messageId());
    }

    private void onPublishAcknowledged(HubConnection connection, int packetId) {
        CloudToDeviceMessage message = connection.inflight.remove(packetId);
        if (message != null) {
            message.acknowledge(this.clock.instant());
            this.counters.increment(Counter.C2D_ACKNOWLEDGED, connection.clientId());
        }
    }

    /**
     * Publishes the device's queued C2D messages if it is connected over MQTT and subscribed to its devicebound
     * filter, or sends them on its AMQP devicebound link.
     */
    private void deliverCloudToDevice(String deviceId) {
        HubConnection connection = this.live.get(deviceId);
        ConcurrentLinkedDeque<CloudToDeviceMessage> queue = this.cloudToDeviceQueues.get(deviceId);
        if (queue == null) {
            return;
        }
        if (connection == null) {
            if (this.amqp != null) {
                this.amqp.deliverCloudToDevice(deviceId);
            }
            return;
        }
        CloudToDeviceMessage message;
        while ((message = queue.pollFirst()) != null) {
            String topic = IotHubMqttTopics.cloudToDevicePrefix(deviceId)
                    + PropertyBag.format(message.systemProperties(), message.applicationProperties());
            int qos = connection.session.grantedQos(topic);
            if (qos < 0) {
                queue.addFirst(message);
                return;
            }
            boolean redelivery = message.markDelivered() > 1;
            this.counters.increment(Counter.C2D_DELIVERIES, deviceId);
            Buffer body = Buffer.buffer(message.body());
            if (qos == 0) {
                connection.endpoint.publish(topic, body, MqttQoS.AT_MOST_ONCE, false, false);
                message.acknowledge(this.clock.instant());
            } else {
                int packetId = connection.nextPacketId();
                connection.inflight.put(packetId, message);
                connection.endpoint.publish(topic, body, MqttQoS.AT_LEAST_ONCE, redelivery, false, packetId);
            }
        }
    }

    private void log(ConnectionEvent event) {
        synchronized (this.events) {
            this.events.add(event);
        }
    }

    /** Runs an action on the event loop and waits for its future. */
    private <T> T awaitOnLoop(Supplier<Future<T>> action) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("blocking emulator call on a Vert.x event loop");
        }
        if (this.closed) {
            throw new IllegalStateException("emulator closed");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        this.context.runOnContext(v -> {
            try {
                action.get().onComplete(result::complete, result::completeExceptionally);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(BLOCKING_CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the emulator's event loop did not answer", e);
        }
    }

    private static Duration requireNonNegative(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("the grace must be zero or positive");
        }
        return grace;
    }
}
