package io.azurekura.connector.testsupport.hub;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the emulator counted, in total and per client id ({@code deviceId} or {@code deviceId/moduleId}, as
 * presented in CONNECT or named by a put-token's audience), over MQTT and AMQP together. Thread-safe: written on the
 * emulator's event loop, read from test threads.
 */
public final class HubCounters {

    /** The counted things. */
    public enum Counter {
        /** Every MQTT CONNECT seen, accepted or not. */
        CONNECT_ATTEMPTS,
        /**
         * MQTT CONNECTs accepted (CONNACK 0), and AMQP identities authorized on a connection: the first accepted
         * put-token of an identity on an AMQP connection (its renewals on that connection are {@link #RENEWALS}).
         */
        CONNECTS,
        /**
         * CONNECTs refused for a credential problem (CONNACK 5) and put-tokens answered 401; see
         * {@link #refusals(ConnectRefusal)}.
         */
        AUTH_FAILURES,
        /** CONNECTs refused with CONNACK 3 while throttled. */
        THROTTLED,
        /**
         * Connections the hub closed because the token expired (plus grace); over AMQP, identities whose links the
         * hub detached because their token lapsed without a renewal on the connection.
         */
        EXPIRY_DROPS,
        /** Connections closed because a new CONNECT with the same client id was accepted. */
        KICKS,
        /** Connections closed for publishing to a refused topic or with an unsupported QoS. */
        PROTOCOL_VIOLATIONS,
        /** Telemetry PUBLISHes and AMQP telemetry transfers accepted (duplicates included). */
        MESSAGES_RECEIVED,
        /** Cloud-to-device PUBLISHes and AMQP transfers sent (re-deliveries included). */
        C2D_DELIVERIES,
        /** Cloud-to-device PUBACKs and AMQP Accepted outcomes received. */
        C2D_ACKNOWLEDGED,
        /** Topic filters in SUBSCRIBE packets. */
        SUBSCRIPTIONS,
        /** AMQP connections opened (one TCP connection carries any number of multiplexed identities). */
        AMQP_CONNECTIONS,
        /** Of {@link #AMQP_CONNECTIONS}, those that skipped SASL (plain AMQP header; the token came over CBS). */
        AMQP_CONNECTIONS_WITHOUT_SASL,
        /** Direct method requests sent over AMQP, and the responses received for them. */
        AMQP_METHOD_REQUESTS, AMQP_METHOD_RESPONSES,
        /** Twin requests received over AMQP (GET, PATCH, PUT, DELETE), each answered. */
        AMQP_TWIN_REQUESTS,
        /** CBS put-token requests, answered 200 or not (per client id: the identity the token's audience names). */
        PUT_TOKENS,
        /** Accepted put-tokens for an identity already authorized on the same AMQP connection: in-place renewals. */
        RENEWALS
    }

    private final Map<Counter, AtomicLong> totals = new EnumMap<>(Counter.class);
    private final Map<ConnectRefusal, AtomicLong> refusals = new EnumMap<>(ConnectRefusal.class);
    private final Map<Counter, Map<String, AtomicLong>> perClient = new EnumMap<>(Counter.class);

    HubCounters() {
        for (Counter counter : Counter.values()) {
            this.totals.put(counter, new AtomicLong());
            this.perClient.put(counter, new ConcurrentHashMap<>());
        }
        for (ConnectRefusal refusal : ConnectRefusal.values()) {
            this.refusals.put(refusal, new AtomicLong());
        }
    }

    void increment(Counter counter, String clientId) {
        this.totals.get(counter).incrementAndGet();
        this.perClient.get(counter).computeIfAbsent(clientId == null ? "" : clientId, k -> new AtomicLong())
                .incrementAndGet();
    }

    void refused(ConnectRefusal refusal, String clientId) {
        this.refusals.get(refusal).incrementAndGet();
        if (refusal.isAuthFailure()) {
            increment(Counter.AUTH_FAILURES, clientId);
        } else if (refusal == ConnectRefusal.THROTTLED) {
            increment(Counter.THROTTLED, clientId);
        }
    }

    /** The total since creation or the last {@link #reset()}. */
    public long get(Counter counter) {
        return this.totals.get(counter).get();
    }

    /** The count for one client id. */
    public long get(Counter counter, String clientId) {
        AtomicLong value = this.perClient.get(counter).get(clientId);
        return value == null ? 0 : value.get();
    }

    /** Refusals for one reason (auth failures by reason, throttling, protocol). */
    public long refusals(ConnectRefusal refusal) {
        return this.refusals.get(refusal).get();
    }

    public long connectAttempts() {
        return get(Counter.CONNECT_ATTEMPTS);
    }

    public long connectAttempts(String clientId) {
        return get(Counter.CONNECT_ATTEMPTS, clientId);
    }

    public long connects() {
        return get(Counter.CONNECTS);
    }

    public long connects(String clientId) {
        return get(Counter.CONNECTS, clientId);
    }

    public long authFailures() {
        return get(Counter.AUTH_FAILURES);
    }

    public long authFailures(String clientId) {
        return get(Counter.AUTH_FAILURES, clientId);
    }

    public long expiryDrops() {
        return get(Counter.EXPIRY_DROPS);
    }

    public long expiryDrops(String clientId) {
        return get(Counter.EXPIRY_DROPS, clientId);
    }

    public long kicks() {
        return get(Counter.KICKS);
    }

    public long kicks(String clientId) {
        return get(Counter.KICKS, clientId);
    }

    public long messagesReceived() {
        return get(Counter.MESSAGES_RECEIVED);
    }

    public long messagesReceived(String clientId) {
        return get(Counter.MESSAGES_RECEIVED, clientId);
    }

    public long amqpConnections() {
        return get(Counter.AMQP_CONNECTIONS);
    }

    public long putTokens() {
        return get(Counter.PUT_TOKENS);
    }

    public long putTokens(String clientId) {
        return get(Counter.PUT_TOKENS, clientId);
    }

    public long renewals() {
        return get(Counter.RENEWALS);
    }

    public long renewals(String clientId) {
        return get(Counter.RENEWALS, clientId);
    }

    /** Zeroes every counter (the connection log and recorded messages are cleared separately). */
    public void reset() {
        this.totals.values().forEach(value -> value.set(0));
        this.refusals.values().forEach(value -> value.set(0));
        this.perClient.values().forEach(Map::clear);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("HubCounters{");
        this.totals.forEach((counter, value) -> out.append(counter).append('=').append(value.get()).append(", "));
        this.refusals.forEach((refusal, value) -> {
            if (value.get() > 0) {
                out.append("refused ").append(refusal).append('=').append(value.get()).append(", ");
            }
        });
        out.setLength(out.length() - 2);
        return out.append('}').toString();
    }
}
