package io.azurekura.connector.testsupport.hub;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.messaging.Section;
import org.apache.qpid.proton.amqp.transport.DeliveryState;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.testsupport.hub.HubCounters.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.proton.ProtonConnection;
import io.vertx.proton.ProtonDelivery;
import io.vertx.proton.ProtonLink;
import io.vertx.proton.ProtonReceiver;
import io.vertx.proton.ProtonSender;
import io.vertx.proton.ProtonServer;
import io.vertx.proton.ProtonServerOptions;
import io.vertx.proton.ProtonSession;

/**
 * The emulator's AMQP 1.0 front end (Vert.x Proton), as IoT Hub behaves towards the Azure device SDK and other
 * official clients (docs/iot-hub-amqp.md): TLS with SASL ANONYMOUS or no SASL layer at all, the {@code $cbs} node
 * answering put-token requests for device and module audiences in every spelling, and per identity on a connection:
 * telemetry, cloud-to-device, twin and direct-method links once its token was accepted, in-place renewal by later put-tokens, and its links detached (only its links)
 * when its token lapses without a renewal. Every method runs on the emulator's event loop, except the read-only
 * queries marked thread-safe.
 */
final class AmqpHubEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(AmqpHubEndpoint.class);
    /** Telemetry credit per link; Vert.x Proton tops it up as deliveries are handled. */
    private static final int TELEMETRY_CREDIT = 1000;
    private static final String CONTAINER_ID = "iothub-emulator";

    private final HubState hub;
    private final ProtonServerOptions options;
    private final CbsAuthenticator cbs;
    private final Set<AmqpConnection> connections = new LinkedHashSet<>();
    /** Identity (client id) to its one live authorization: IoT Hub keeps one connection per identity. */
    private final Map<String, Authorization> authorized = new ConcurrentHashMap<>();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final Function<String, String> twinJson;
    /** Direct method requests sent over AMQP and not answered yet, by correlation id. */
    private final Map<String, PendingMethod> pendingMethods = new HashMap<>();
    private ProtonServer server;
    private long nextConnectionId;

    private record PendingMethod(String clientId, CompletableFuture<MethodResponse> result, long timer) {
    }

    /** One AMQP connection and the identities authorized on it. */
    private static final class AmqpConnection {
        final long id;
        final ProtonConnection connection;
        final Map<String, Authorization> authorizations = new HashMap<>();
        ProtonSender cbsReplies;
        boolean ended;

        AmqpConnection(long id, ProtonConnection connection) {
            this.id = id;
            this.connection = connection;
        }
    }

    /** An identity authorized on a connection by put-token, with its links, until its token lapses. */
    private static final class Authorization {
        final AmqpConnection connection;
        final DeviceRegistry.Identity identity;
        Instant tokenExpiry;
        long lapseTimer = -1;
        /** Read from test threads by {@link AmqpHubEndpoint#isConnected}. */
        final List<ProtonLink<?>> links = new CopyOnWriteArrayList<>();
        ProtonSender cloudToDevice;
        /** The client's receiver of direct method requests, and of twin responses. */
        ProtonSender methodRequests;
        ProtonSender twinResponses;
        final List<CloudToDeviceMessage> inflight = new ArrayList<>();
        volatile boolean ended;

        Authorization(AmqpConnection connection, DeviceRegistry.Identity identity, Instant tokenExpiry) {
            this.connection = connection;
            this.identity = identity;
            this.tokenExpiry = tokenExpiry;
        }

        String clientId() {
            return this.identity.clientId();
        }
    }

    /** @param twinJson the identity's twin as a GET answers it ({@code {"desired":...,"reported":...}}) */
    AmqpHubEndpoint(HubState hub, ProtonServerOptions options, Function<String, String> twinJson) {
        this.hub = hub;
        this.options = options;
        this.cbs = new CbsAuthenticator(hub.registry(), hub.hostNames());
        this.twinJson = twinJson;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Lifecycle (event loop)

    /** Starts listening; completes with the actual port. */
    Future<Integer> listen(int port, String host) {
        ProtonServer created = ProtonServer.create(this.hub.vertx(), this.options);
        created.saslAuthenticatorFactory(() -> new OptionalSaslAuthenticator(this::onSaslRefused));
        created.connectHandler(this::onConnect);
        Promise<Integer> listening = Promise.promise();
        created.listen(port, host, result -> {
            if (result.succeeded()) {
                this.server = created;
                listening.complete(created.actualPort());
            } else {
                listening.fail(result.cause());
            }
        });
        return listening.future();
    }

    /** Ends every connection (logged with the reason) and stops listening. */
    Future<Void> close(DisconnectReason reason) {
        for (AmqpConnection connection : List.copyOf(this.connections)) {
            force(connection, reason, "the hub is shutting down");
        }
        ProtonServer running = this.server;
        this.server = null;
        if (running == null) {
            return Future.succeededFuture();
        }
        Promise<Void> closed = Promise.promise();
        running.close(result -> closed.complete());
        return closed.future();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Queries (thread-safe)

    /** True while the identity is authorized on a connection and has at least one link attached. */
    boolean isConnected(String clientId) {
        Authorization authorization = this.authorized.get(clientId);
        return authorization != null && !authorization.ended && !authorization.links.isEmpty();
    }

    Set<String> connectedClientIds() {
        Set<String> ids = new LinkedHashSet<>();
        this.authorized.forEach((id, authorization) -> {
            if (!authorization.ended && !authorization.links.isEmpty()) {
                ids.add(id);
            }
        });
        return ids;
    }

    int openConnections() {
        return this.openConnections.get();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Faults (event loop)

    /** Closes the whole AMQP connection carrying the identity, with every identity multiplexed on it. */
    boolean dropConnectionOf(String clientId) {
        Authorization authorization = this.authorized.get(clientId);
        if (authorization == null) {
            return false;
        }
        force(authorization.connection, DisconnectReason.DROPPED_BY_TEST, "connection closed by the test");
        return true;
    }

    /** Detaches one identity's links as a hub-side fault would; its connection and other identities stay. */
    boolean detach(String clientId) {
        Authorization authorization = this.authorized.get(clientId);
        if (authorization == null) {
            return false;
        }
        endAuthorization(authorization, DisconnectReason.DROPPED_BY_TEST,
                new ErrorCondition(IotHubAmqp.DETACH_FORCED, "detached by the test"));
        return true;
    }

    /** Closes every connection as a hub-side fault does. */
    int dropAll() {
        List<AmqpConnection> all = List.copyOf(this.connections);
        for (AmqpConnection connection : all) {
            force(connection, DisconnectReason.DROPPED_BY_TEST, "connection closed by the test");
        }
        return all.size();
    }

    /** Closes the connection from the hub's side ({@code amqp:connection:forced}) and cuts the socket. */
    private void force(AmqpConnection connection, DisconnectReason reason, String description) {
        end(connection, reason);
        connection.connection.setCondition(new ErrorCondition(IotHubAmqp.CONNECTION_FORCED, description));
        connection.connection.close();
        connection.connection.disconnect();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Connections and sessions

    private void onConnect(ProtonConnection protonConnection) {
        AmqpConnection connection = new AmqpConnection(++this.nextConnectionId, protonConnection);
        protonConnection.openHandler(opened -> {
            if (opened.failed()) {
                return;
            }
            protonConnection.setContainer(CONTAINER_ID);
            if (this.hub.throttled().getAsBoolean()) {
                this.hub.counters().increment(Counter.THROTTLED, "");
                protonConnection.setCondition(new ErrorCondition(IotHubAmqp.RESOURCE_LIMIT_EXCEEDED,
                        "the hub is throttling new connections"));
                protonConnection.open();
                protonConnection.close();
                return;
            }
            this.connections.add(connection);
            this.openConnections.incrementAndGet();
            this.hub.counters().increment(Counter.AMQP_CONNECTIONS, "");
            OptionalSaslAuthenticator.Layer layer = protonConnection.attachments().get(
                    OptionalSaslAuthenticator.LAYER_ATTACHMENT, OptionalSaslAuthenticator.Layer.class);
            if (layer == OptionalSaslAuthenticator.Layer.NO_SASL) {
                this.hub.counters().increment(Counter.AMQP_CONNECTIONS_WITHOUT_SASL, "");
            }
            protonConnection.open();
            LOG.info("AMQP connection {} opened ({}, host name {})", connection.id, layer,
                    printable(protonConnection.getRemoteHostname()));
        });
        protonConnection.sessionOpenHandler(session -> {
            session.closeHandler(closed -> onSessionClosed(connection, session));
            session.open();
        });
        protonConnection.receiverOpenHandler(receiver -> onClientSender(connection, receiver));
        protonConnection.senderOpenHandler(sender -> onClientReceiver(connection, sender));
        protonConnection.closeHandler(closed -> {
            end(connection, DisconnectReason.CLIENT_DISCONNECT);
            protonConnection.close();
        });
        protonConnection.disconnectHandler(c -> end(connection, DisconnectReason.CONNECTION_LOST));
    }

    /** SASL with another mechanism than ANONYMOUS: refused at the transport, before any AMQP frame. */
    private void onSaslRefused(ProtonConnection protonConnection, String mechanism) {
        this.hub.counters().refused(ConnectRefusal.UNSUPPORTED_SASL_MECHANISM, "");
        this.hub.events().accept(ConnectionEvent.refused(this.hub.clock().instant(), "",
                ConnectRefusal.UNSUPPORTED_SASL_MECHANISM, HubTransport.AMQPS));
        LOG.info("AMQP connection refused at SASL: mechanism {} is not supported (ANONYMOUS or no SASL)", mechanism);
    }

    /** The connection is over: every identity on it is disconnected with the reason. Idempotent. */
    private void end(AmqpConnection connection, DisconnectReason reason) {
        if (connection.ended) {
            return;
        }
        connection.ended = true;
        if (this.connections.remove(connection)) {
            this.openConnections.decrementAndGet();
            LOG.info("AMQP connection {} ended: {}", connection.id, reason);
        }
        for (Authorization authorization : List.copyOf(connection.authorizations.values())) {
            endAuthorization(authorization, reason, null);
        }
    }

    /** Ending a session implicitly ends its links (AMQP 1.0 §2.7.7): identities left without links disconnected. */
    private void onSessionClosed(AmqpConnection connection, ProtonSession session) {
        for (Authorization authorization : List.copyOf(connection.authorizations.values())) {
            boolean hadLinks = !authorization.links.isEmpty();
            authorization.links.removeIf(link -> link.getSession() == session);
            if (hadLinks && authorization.links.isEmpty()) {
                endAuthorization(authorization, DisconnectReason.CLIENT_DISCONNECT, null);
            }
        }
        session.close();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Links

    /** A link on which the client sends: CBS requests, telemetry, twin requests or method responses. */
    private void onClientSender(AmqpConnection connection, ProtonReceiver receiver) {
        String address = receiver.getRemoteTarget() == null ? null : receiver.getRemoteTarget().getAddress();
        receiver.setTarget(receiver.getRemoteTarget());
        if (IotHubAmqp.CBS_NODE.equals(address)) {
            receiver.setAutoAccept(false);
            receiver.handler((delivery, message) -> onPutToken(connection, delivery, message));
            receiver.closeHandler(closed -> receiver.close());
            receiver.open();
            return;
        }
        IotHubAmqp.LinkAddress link = IotHubAmqp.linkAddress(address);
        if (link == null || link.kind() == IotHubAmqp.LinkKind.CLOUD_TO_DEVICE) {
            refuse(receiver, IotHubAmqp.NOT_IMPLEMENTED, "no such node for a sender: " + printable(address));
            return;
        }
        Authorization authorization = authorizationFor(connection, link, receiver, address);
        if (authorization == null) {
            return;
        }
        receiver.setAutoAccept(false);
        switch (link.kind()) {
        case TELEMETRY:
            receiver.setPrefetch(TELEMETRY_CREDIT);
            receiver.handler((delivery, message) -> onTelemetry(authorization, address, delivery, message));
            break;
        case TWIN:
            receiver.handler((delivery, message) -> onTwinRequest(authorization, delivery, message));
            break;
        case METHODS:
        default:
            receiver.handler((delivery, message) -> onMethodResponse(authorization, delivery, message));
            break;
        }
        receiver.closeHandler(closed -> onLinkClosedByClient(authorization, receiver));
        receiver.detachHandler(detached -> onLinkClosedByClient(authorization, receiver));
        authorization.links.add(receiver);
        receiver.open();
    }

    /** A link on which the client receives: CBS answers, cloud-to-device messages, twin responses, method requests. */
    private void onClientReceiver(AmqpConnection connection, ProtonSender sender) {
        String address = sender.getRemoteSource() == null ? null : sender.getRemoteSource().getAddress();
        sender.setSource(sender.getRemoteSource());
        if (IotHubAmqp.CBS_NODE.equals(address)) {
            connection.cbsReplies = sender;
            sender.closeHandler(closed -> {
                if (connection.cbsReplies == sender) {
                    connection.cbsReplies = null;
                }
                sender.close();
            });
            sender.open();
            return;
        }
        IotHubAmqp.LinkAddress link = IotHubAmqp.linkAddress(address);
        if (link == null || link.kind() == IotHubAmqp.LinkKind.TELEMETRY) {
            refuse(sender, IotHubAmqp.NOT_IMPLEMENTED, "no such node for a receiver: " + printable(address));
            return;
        }
        Authorization authorization = authorizationFor(connection, link, sender, address);
        if (authorization == null) {
            return;
        }
        // The SDK settles first (receiver settle mode FIRST): its disposition is the outcome.
        sender.setAutoSettle(true);
        sender.closeHandler(closed -> onLinkClosedByClient(authorization, sender));
        sender.detachHandler(detached -> onLinkClosedByClient(authorization, sender));
        switch (link.kind()) {
        case CLOUD_TO_DEVICE:
            sender.sendQueueDrainHandler(s -> deliverCloudToDevice(authorization.identity.deviceId()));
            if (link.moduleId() == null) {
                authorization.cloudToDevice = sender;
            }
            break;
        case TWIN:
            authorization.twinResponses = sender;
            break;
        case METHODS:
        default:
            authorization.methodRequests = sender;
            break;
        }
        authorization.links.add(sender);
        sender.open();
    }

    /**
     * The authorization on this connection of the identity a link names (ids as written, or percent-decoded once);
     * refuses the link, logged and counted, when no accepted put-token on this connection covers that identity.
     */
    private Authorization authorizationFor(AmqpConnection connection, IotHubAmqp.LinkAddress link,
            ProtonLink<?> protonLink, String address) {
        Authorization authorization = connection.authorizations.get(link.clientId());
        IotHubAmqp.LinkAddress decoded = link.decoded();
        if (authorization == null && decoded != null) {
            authorization = connection.authorizations.get(decoded.clientId());
        }
        if (authorization != null) {
            return authorization;
        }
        String clientId = decoded != null && this.hub.registry().find(decoded.clientId()) != null
                ? decoded.clientId() : "";
        this.hub.counters().refused(ConnectRefusal.UNAUTHORIZED_LINK, clientId);
        this.hub.events().accept(ConnectionEvent.refused(this.hub.clock().instant(), clientId,
                ConnectRefusal.UNAUTHORIZED_LINK, HubTransport.AMQPS));
        refuse(protonLink, IotHubAmqp.UNAUTHORIZED_ACCESS, "no accepted token on AMQP connection " + connection.id
                + " for the identity of " + printable(address));
        return null;
    }

    private static void refuse(ProtonLink<?> link, Symbol condition, String description) {
        LOG.info("Refusing AMQP link: {}", description);
        if (link instanceof ProtonReceiver receiver) {
            receiver.setPrefetch(0);
        }
        link.open();
        link.setCondition(new ErrorCondition(condition, description));
        link.close();
    }

    private void onLinkClosedByClient(Authorization authorization, ProtonLink<?> link) {
        link.close();
        if (authorization.ended || !authorization.links.remove(link)) {
            return;
        }
        if (link == authorization.cloudToDevice) {
            authorization.cloudToDevice = null;
            requeueInflight(authorization);
        }
        if (link == authorization.methodRequests) {
            authorization.methodRequests = null;
        }
        if (link == authorization.twinResponses) {
            authorization.twinResponses = null;
        }
        if (authorization.links.isEmpty()) {
            endAuthorization(authorization, DisconnectReason.CLIENT_DISCONNECT, null);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // CBS

    private void onPutToken(AmqpConnection connection, ProtonDelivery delivery, Message request) {
        Map<String, Object> properties = request.getApplicationProperties() == null ? Map.of()
                : request.getApplicationProperties().getValue();
        Object body = request.getBody() instanceof AmqpValue value ? value.getValue() : null;
        CbsAuthenticator.Outcome outcome = this.cbs.authenticate(asString(properties.get(IotHubAmqp.OPERATION)),
                asString(properties.get(IotHubAmqp.TYPE)), asString(properties.get(IotHubAmqp.NAME)),
                body instanceof String token ? token : null, this.hub.clock().instant().getEpochSecond());
        String clientId = outcome.clientId() == null ? "" : outcome.clientId();
        this.hub.counters().increment(Counter.PUT_TOKENS, clientId);
        if (outcome.accepted()) {
            authorize(connection, outcome);
        } else if (outcome.refusal() != null) {
            this.hub.counters().refused(outcome.refusal(), clientId);
            this.hub.events().accept(ConnectionEvent.refused(this.hub.clock().instant(), clientId,
                    outcome.refusal(), HubTransport.AMQPS));
            LOG.info("put-token{} refused on AMQP connection {}: {}, {} (401)",
                    clientId.isEmpty() ? "" : " for " + clientId, connection.id, outcome.refusal(),
                    outcome.description());
        } else {
            this.hub.counters().increment(Counter.PROTOCOL_VIOLATIONS, clientId);
            LOG.info("CBS request on AMQP connection {} is no put-token of a SAS token: {} (400)", connection.id,
                    outcome.description());
        }
        reply(connection, request, outcome.status(), outcome.description());
        delivery.disposition(Accepted.getInstance(), true);
    }

    /** IoT Hub's answer: correlation-id = the request's message-id, status-code an AMQP int (the SDK checks). */
    private void reply(AmqpConnection connection, Message request, int status, String description) {
        ProtonSender replies = connection.cbsReplies;
        if (replies == null || !replies.isOpen()) {
            LOG.info("No CBS reply link on AMQP connection {}; the put-token answer is dropped", connection.id);
            return;
        }
        Message answer = Proton.message();
        Properties properties = new Properties();
        properties.setCorrelationId(request.getMessageId());
        properties.setTo(request.getReplyTo());
        answer.setProperties(properties);
        Map<String, Object> application = new LinkedHashMap<>();
        application.put(IotHubAmqp.STATUS_CODE, Integer.valueOf(status));
        application.put(IotHubAmqp.STATUS_DESCRIPTION, description);
        answer.setApplicationProperties(new ApplicationProperties(application));
        replies.send(answer);
    }

    private void authorize(AmqpConnection connection, CbsAuthenticator.Outcome outcome) {
        String clientId = outcome.identity().clientId();
        Instant expiry = Instant.ofEpochSecond(outcome.tokenExpiryEpochSeconds());
        Authorization current = connection.authorizations.get(clientId);
        if (current != null && !current.ended) {
            // A renewal on the same connection: the identity's links stay, its deadline moves.
            long spareMillis = current.tokenExpiry.toEpochMilli() - this.hub.clock().millis();
            current.tokenExpiry = expiry;
            scheduleLapse(current);
            this.hub.counters().increment(Counter.RENEWALS, clientId);
            LOG.debug("{} renewed its token on AMQP connection {} {} ms before the old one expired (new expiry {})",
                    clientId, connection.id, spareMillis, expiry);
            return;
        }
        Authorization elsewhere = this.authorized.get(clientId);
        if (elsewhere != null && elsewhere.connection != connection) {
            this.hub.counters().increment(Counter.KICKS, clientId);
            endAuthorization(elsewhere, DisconnectReason.KICKED, new ErrorCondition(IotHubAmqp.LINK_STOLEN,
                    "another connection authenticated " + clientId));
        }
        Authorization authorization = new Authorization(connection, outcome.identity(), expiry);
        connection.authorizations.put(clientId, authorization);
        this.authorized.put(clientId, authorization);
        scheduleLapse(authorization);
        this.hub.counters().increment(Counter.CONNECTS, clientId);
        this.hub.events().accept(ConnectionEvent.connected(this.hub.clock().instant(), clientId, expiry,
                HubTransport.AMQPS));
        LOG.info("{} authorized on AMQP connection {} (token expires {})", clientId, connection.id, expiry);
    }

    private void scheduleLapse(Authorization authorization) {
        if (authorization.lapseTimer >= 0) {
            this.hub.vertx().cancelTimer(authorization.lapseTimer);
        }
        long delay = Math.max(1, authorization.tokenExpiry.toEpochMilli() + this.hub.expiryGrace().get().toMillis()
                - this.hub.clock().millis());
        authorization.lapseTimer = this.hub.vertx().setTimer(delay, t -> {
            authorization.lapseTimer = -1;
            if (!authorization.ended) {
                this.hub.counters().increment(Counter.EXPIRY_DROPS, authorization.clientId());
                endAuthorization(authorization, DisconnectReason.TOKEN_EXPIRED,
                        new ErrorCondition(IotHubAmqp.UNAUTHORIZED_ACCESS, IotHubAmqp.TOKEN_INVALID));
            }
        });
    }

    /** Ends one identity's authorization once: logs it, re-queues unacknowledged C2D, detaches its links if asked. */
    private void endAuthorization(Authorization authorization, DisconnectReason reason, ErrorCondition detach) {
        if (authorization.ended) {
            return;
        }
        authorization.ended = true;
        if (authorization.lapseTimer >= 0) {
            this.hub.vertx().cancelTimer(authorization.lapseTimer);
            authorization.lapseTimer = -1;
        }
        String clientId = authorization.clientId();
        authorization.connection.authorizations.remove(clientId, authorization);
        this.authorized.remove(clientId, authorization);
        requeueInflight(authorization);
        List<ProtonLink<?>> links = List.copyOf(authorization.links);
        authorization.links.clear();
        authorization.cloudToDevice = null;
        authorization.methodRequests = null;
        authorization.twinResponses = null;
        if (detach != null && !authorization.connection.ended) {
            for (ProtonLink<?> link : links) {
                link.setCondition(detach);
                link.close();
            }
        }
        this.hub.events().accept(ConnectionEvent.disconnected(this.hub.clock().instant(), clientId, reason,
                HubTransport.AMQPS));
        LOG.info("{} disconnected from AMQP connection {}: {}", clientId, authorization.connection.id, reason);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Twin and direct methods (minimal: enough for a client to attach, GET its twin and answer a method)

    /**
     * A twin request: operation in the message annotations, answered on the client's twin receiver link with the
     * request's correlation-id and a status annotation. GET returns the twin document; PATCH of reported properties,
     * PUT and DELETE (desired-property subscription on and off) are acknowledged without changing anything here.
     */
    private void onTwinRequest(Authorization authorization, ProtonDelivery delivery, Message request) {
        delivery.disposition(Accepted.getInstance(), true);
        if (authorization.ended) {
            return;
        }
        this.hub.counters().increment(Counter.AMQP_TWIN_REQUESTS, authorization.clientId());
        Object operation = request.getMessageAnnotations() == null ? null
                : request.getMessageAnnotations().getValue().get(IotHubAmqp.TWIN_OPERATION);
        Message answer = Proton.message();
        Properties properties = new Properties();
        properties.setCorrelationId(request.getProperties() == null ? null : request.getProperties()
                .getCorrelationId());
        answer.setProperties(properties);
        int status;
        if (IotHubAmqp.TWIN_GET.equals(operation)) {
            status = IotHubAmqp.STATUS_OK;
            answer.setBody(new Data(new Binary(this.twinJson.apply(authorization.clientId())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        } else if (IotHubAmqp.TWIN_PATCH.equals(operation)) {
            status = IotHubAmqp.STATUS_NO_CONTENT;
        } else if (IotHubAmqp.TWIN_PUT.equals(operation) || IotHubAmqp.TWIN_DELETE.equals(operation)) {
            status = IotHubAmqp.STATUS_OK;
        } else {
            status = IotHubAmqp.STATUS_BAD_REQUEST;
            LOG.info("Twin request of {} with an unknown operation {} answered 400", authorization.clientId(),
                    printable(String.valueOf(operation)));
        }
        Map<Symbol, Object> annotations = new HashMap<>();
        annotations.put(IotHubAmqp.TWIN_STATUS, Integer.valueOf(status));
        answer.setMessageAnnotations(new MessageAnnotations(annotations));
        ProtonSender responses = authorization.twinResponses;
        if (responses == null || !responses.isOpen()) {
            LOG.info("{} sent a twin request without a twin receiver link; the answer is dropped",
                    authorization.clientId());
            return;
        }
        responses.send(answer);
    }

    /**
     * Sends a direct method request over the identity's methods link (correlation-id a UUID, the name in
     * {@code IoThub-methodname}) and completes the result with its answer, or with a {@link TimeoutException}.
     *
     * @return false when the identity has no open methods link over AMQP (the caller tries MQTT)
     */
    boolean invokeMethod(String clientId, String methodName, String payload, Duration timeout,
            CompletableFuture<MethodResponse> result) {
        Authorization authorization = this.authorized.get(clientId);
        if (authorization == null || authorization.ended || authorization.methodRequests == null
                || !authorization.methodRequests.isOpen()) {
            return false;
        }
        UUID correlationId = UUID.randomUUID();
        long timer = this.hub.vertx().setTimer(Math.max(1, timeout.toMillis()), t -> {
            PendingMethod expired = this.pendingMethods.remove(correlationId.toString());
            if (expired != null) {
                expired.result().completeExceptionally(new TimeoutException("no response to the method within "
                        + timeout));
            }
        });
        this.pendingMethods.put(correlationId.toString(), new PendingMethod(clientId, result, timer));
        Message request = Proton.message();
        Properties properties = new Properties();
        properties.setMessageId(correlationId);
        properties.setCorrelationId(correlationId);
        request.setProperties(properties);
        request.setApplicationProperties(new ApplicationProperties(Map.of(IotHubAmqp.METHOD_NAME, methodName)));
        request.setBody(new Data(new Binary((payload == null ? "" : payload)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        this.hub.counters().increment(Counter.AMQP_METHOD_REQUESTS, clientId);
        authorization.methodRequests.send(request);
        return true;
    }

    private void onMethodResponse(Authorization authorization, ProtonDelivery delivery, Message response) {
        delivery.disposition(Accepted.getInstance(), true);
        Object correlationId = response.getProperties() == null ? null : response.getProperties().getCorrelationId();
        PendingMethod pending = correlationId == null ? null : this.pendingMethods.get(correlationId.toString());
        if (pending == null || !pending.clientId().equals(authorization.clientId())) {
            LOG.info("{} answered a method request that is not pending (late or unknown); ignored",
                    authorization.clientId());
            return;
        }
        this.pendingMethods.remove(correlationId.toString());
        this.hub.vertx().cancelTimer(pending.timer());
        Object status = response.getApplicationProperties() == null ? null
                : response.getApplicationProperties().getValue().get(IotHubAmqp.METHOD_STATUS);
        this.hub.counters().increment(Counter.AMQP_METHOD_RESPONSES, authorization.clientId());
        if (!(status instanceof Integer code)) {
            pending.result().completeExceptionally(new IllegalStateException("the method response has no int "
                    + IotHubAmqp.METHOD_STATUS));
            return;
        }
        pending.result().complete(new MethodResponse(code, new String(bodyOf(response),
                java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Text from outside for a log line: control characters replaced, at most 200 characters. */
    static String printable(String text) {
        if (text == null) {
            return "null";
        }
        String bounded = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return bounded.replaceAll("[\\p{Cntrl}\\p{Zl}\\p{Zp}]", "?");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Telemetry and cloud to device

    private void onTelemetry(Authorization authorization, String address, ProtonDelivery delivery, Message message) {
        if (authorization.ended) {
            return;
        }
        TelemetryMessage telemetry = new TelemetryMessage(authorization.identity.deviceId(),
                authorization.identity.moduleId(), address, bodyOf(message), propertiesOf(message),
                this.hub.clock().instant(), 1, false);
        this.hub.telemetry().accept(telemetry);
        delivery.disposition(Accepted.getInstance(), true);
    }

    /**
     * Sends the device's queued cloud-to-device messages while its devicebound link has credit.
     *
     * @return false when the device has no devicebound link over AMQP
     */
    boolean deliverCloudToDevice(String deviceId) {
        Authorization authorization = this.authorized.get(deviceId);
        if (authorization == null || authorization.ended || authorization.cloudToDevice == null
                || !authorization.cloudToDevice.isOpen()) {
            return false;
        }
        ProtonSender sender = authorization.cloudToDevice;
        ConcurrentLinkedDeque<CloudToDeviceMessage> queue = this.hub.cloudToDeviceQueue().apply(deviceId);
        CloudToDeviceMessage message;
        while (!sender.sendQueueFull() && (message = queue.pollFirst()) != null) {
            CloudToDeviceMessage sent = message;
            sent.markDelivered();
            this.hub.counters().increment(Counter.C2D_DELIVERIES, deviceId);
            authorization.inflight.add(sent);
            sender.send(toAmqp(sent), delivery -> onCloudToDeviceOutcome(authorization, sent, delivery));
        }
        return true;
    }

    private void onCloudToDeviceOutcome(Authorization authorization, CloudToDeviceMessage message,
            ProtonDelivery delivery) {
        if (!authorization.inflight.remove(message)) {
            return; // re-queued when the link ended
        }
        DeliveryState outcome = delivery.getRemoteState();
        if (outcome instanceof Accepted) {
            message.acknowledge(this.hub.clock().instant());
            this.hub.counters().increment(Counter.C2D_ACKNOWLEDGED, authorization.clientId());
        } else if (!(outcome instanceof Rejected)) {
            // Released or modified (the SDK's ABANDON): IoT Hub delivers it again later
            this.hub.cloudToDeviceQueue().apply(message.deviceId()).addLast(message);
        }
    }

    private void requeueInflight(Authorization authorization) {
        if (authorization.inflight.isEmpty()) {
            return;
        }
        ConcurrentLinkedDeque<CloudToDeviceMessage> queue = this.hub.cloudToDeviceQueue()
                .apply(authorization.identity.deviceId());
        List<CloudToDeviceMessage> unacknowledged = new ArrayList<>(authorization.inflight);
        Collections.reverse(unacknowledged);
        unacknowledged.forEach(queue::addFirst);
        authorization.inflight.clear();
    }

    /** A queued message as IoT Hub sends it over AMQP: system properties in the properties section, body Data. */
    private static Message toAmqp(CloudToDeviceMessage message) {
        Message amqp = Proton.message();
        Properties properties = new Properties();
        Map<String, Object> application = new LinkedHashMap<>(message.applicationProperties());
        for (Map.Entry<String, String> system : message.systemProperties().entrySet()) {
            switch (system.getKey()) {
            case IotHubMqttTopics.MESSAGE_ID:
                properties.setMessageId(system.getValue());
                break;
            case IotHubMqttTopics.TO:
                properties.setTo(system.getValue());
                break;
            case "$.cid":
                properties.setCorrelationId(system.getValue());
                break;
            case IotHubMqttTopics.CONTENT_TYPE:
                properties.setContentType(Symbol.valueOf(system.getValue()));
                break;
            case IotHubMqttTopics.CONTENT_ENCODING:
                properties.setContentEncoding(Symbol.valueOf(system.getValue()));
                break;
            default:
                application.put(system.getKey(), system.getValue());
            }
        }
        amqp.setProperties(properties);
        amqp.setApplicationProperties(new ApplicationProperties(application));
        amqp.setBody(new Data(new Binary(message.body())));
        return amqp;
    }

    private static byte[] bodyOf(Message message) {
        Section body = message.getBody();
        if (body instanceof Data data && data.getValue() != null) {
            Binary binary = data.getValue();
            byte[] bytes = new byte[binary.getLength()];
            System.arraycopy(binary.getArray(), binary.getArrayOffset(), bytes, 0, binary.getLength());
            return bytes;
        }
        if (body instanceof AmqpValue value && value.getValue() instanceof String text) {
            return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return new byte[0];
    }

    /** The AMQP message's system properties under the MQTT keys ({@code $.mid}, ...), so one log serves both. */
    private static PropertyBag propertiesOf(Message message) {
        Map<String, String> system = new LinkedHashMap<>();
        Map<String, String> application = new LinkedHashMap<>();
        Properties properties = message.getProperties();
        if (properties != null) {
            putIfPresent(system, IotHubMqttTopics.MESSAGE_ID, properties.getMessageId());
            putIfPresent(system, "$.cid", properties.getCorrelationId());
            putIfPresent(system, IotHubMqttTopics.CONTENT_TYPE, properties.getContentType());
            putIfPresent(system, IotHubMqttTopics.CONTENT_ENCODING, properties.getContentEncoding());
            putIfPresent(system, IotHubMqttTopics.TO, properties.getTo());
        }
        ApplicationProperties applicationProperties = message.getApplicationProperties();
        if (applicationProperties != null && applicationProperties.getValue() != null) {
            for (Map.Entry<String, Object> property : applicationProperties.getValue().entrySet()) {
                switch (property.getKey()) {
                case IotHubAmqp.CREATION_TIME:
                    putIfPresent(system, "$.ctime", property.getValue());
                    break;
                case IotHubAmqp.CONNECTION_DEVICE_ID:
                    putIfPresent(system, "$.cdid", property.getValue());
                    break;
                case IotHubAmqp.CONNECTION_MODULE_ID:
                    putIfPresent(system, "$.cmid", property.getValue());
                    break;
                default:
                    putIfPresent(application, property.getKey(), property.getValue());
                }
            }
        }
        return new PropertyBag(system, application);
    }

    private static void putIfPresent(Map<String, String> into, String key, Object value) {
        if (value != null) {
            into.put(key, String.valueOf(value));
        }
    }

    private static String asString(Object value) {
        return value == null ? null : String.valueOf(value);
    }
}
