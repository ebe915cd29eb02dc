package io.azurekura.connector.api.hub;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one connection: state and reason, reconnect and message counters, queue depth and the measured
 * gap of planned reconnects. Contains no token material. Built by the connector with {@link #builder()}.
 */
public final class ConnectionStatus {

    private final String name;
    private final HubIdentity identity;
    private final Transport transport;
    private final ConnectionState state;
    private final ConnectionReason reason;
    private final String detail;
    private final Instant since;
    private final Instant connectedSince;
    private final long connectAttempts;
    private final long connects;
    private final long plannedReconnects;
    private final long unplannedReconnects;
    private final long expiryDisconnects;
    private final long badCredentials;
    private final long reprovisionRequests;
    private final long messagesSubmitted;
    private final long messagesSent;
    private final long messagesAcknowledged;
    private final long messagesFailed;
    private final long messagesRefusedQueueFull;
    private final int queueDepth;
    private final int inFlight;
    private final int queueCapacity;
    private final Duration lastPlannedReconnectGap;
    private final Duration maxPlannedReconnectGap;
    private final Duration disconnectedTime;
    private final List<String> configurationProblems;
    private final List<String> configurationWarnings;
    private final long cloudToDeviceReceived;
    private final long cloudToDeviceTaken;
    private final long cloudToDeviceReturned;
    private final long cloudToDeviceGivenUp;

    private ConnectionStatus(Builder b) {
        this.name = b.name;
        this.identity = b.identity;
        this.transport = b.transport;
        this.state = Objects.requireNonNull(b.state, "state");
        this.reason = Objects.requireNonNull(b.reason, "reason");
        this.detail = b.detail;
        this.since = Objects.requireNonNull(b.since, "since");
        this.connectedSince = b.connectedSince;
        this.connectAttempts = b.connectAttempts;
        this.connects = b.connects;
        this.plannedReconnects = b.plannedReconnects;
        this.unplannedReconnects = b.unplannedReconnects;
        this.expiryDisconnects = b.expiryDisconnects;
        this.badCredentials = b.badCredentials;
        this.reprovisionRequests = b.reprovisionRequests;
        this.messagesSubmitted = b.messagesSubmitted;
        this.messagesSent = b.messagesSent;
        this.messagesAcknowledged = b.messagesAcknowledged;
        this.messagesFailed = b.messagesFailed;
        this.messagesRefusedQueueFull = b.messagesRefusedQueueFull;
        this.queueDepth = b.queueDepth;
        this.inFlight = b.inFlight;
        this.queueCapacity = b.queueCapacity;
        this.lastPlannedReconnectGap = b.lastPlannedReconnectGap;
        this.maxPlannedReconnectGap = b.maxPlannedReconnectGap;
        this.disconnectedTime = b.disconnectedTime == null ? Duration.ZERO : b.disconnectedTime;
        this.configurationProblems = List.copyOf(b.configurationProblems);
        this.configurationWarnings = List.copyOf(b.configurationWarnings);
        this.cloudToDeviceReceived = b.cloudToDeviceReceived;
        this.cloudToDeviceTaken = b.cloudToDeviceTaken;
        this.cloudToDeviceReturned = b.cloudToDeviceReturned;
        this.cloudToDeviceGivenUp = b.cloudToDeviceGivenUp;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The connection's name (its {@code kura.service.pid}). */
    public String name() {
        return this.name;
    }

    public Optional<HubIdentity> identity() {
        return Optional.ofNullable(this.identity);
    }

    public Transport transport() {
        return this.transport;
    }

    public ConnectionState state() {
        return this.state;
    }

    public ConnectionReason reason() {
        return this.reason;
    }

    /** Human-readable detail of the reason (an error message, already redacted), if any. */
    public Optional<String> detail() {
        return Optional.ofNullable(this.detail);
    }

    /** When the current state (or reason) began. */
    public Instant since() {
        return this.since;
    }

    /** When the current connection was established, while connected. */
    public Optional<Instant> connectedSince() {
        return Optional.ofNullable(this.connectedSince);
    }

    /** Clients the connector opened (successful or not); the SDK's own retries are not included. */
    public long connectAttempts() {
        return this.connectAttempts;
    }

    /** Successful connection establishments, the first one included. */
    public long connects() {
        return this.connects;
    }

    /** Reconnects the connector made on purpose to put a renewed token into use (MQTT). */
    public long plannedReconnects() {
        return this.plannedReconnects;
    }

    /** Connection losses: drops the SDK retried, and clients re-opened after a terminal failure. */
    public long unplannedReconnects() {
        return this.unplannedReconnects;
    }

    /** Times the hub closed the connection for an expired token (zero while planned renewal works). */
    public long expiryDisconnects() {
        return this.expiryDisconnects;
    }

    /** Times the hub refused the token. */
    public long badCredentials() {
        return this.badCredentials;
    }

    /** Times the DPS provisioner was told that fresh tokens kept being refused. */
    public long reprovisionRequests() {
        return this.reprovisionRequests;
    }

    /** Messages accepted by {@link HubConnection#send} (queue overflows excluded). */
    public long messagesSubmitted() {
        return this.messagesSubmitted;
    }

    /** Hand-overs of messages to the SDK, resends after a reconnect included. */
    public long messagesSent() {
        return this.messagesSent;
    }

    public long messagesAcknowledged() {
        return this.messagesAcknowledged;
    }

    /** Messages whose completion failed, for any {@link SendFailure} including queue overflow. */
    public long messagesFailed() {
        return this.messagesFailed;
    }

    /** Messages refused because the queue was full (included in {@link #messagesFailed()}). */
    public long messagesRefusedQueueFull() {
        return this.messagesRefusedQueueFull;
    }

    /** Messages waiting to be handed to the SDK. */
    public int queueDepth() {
        return this.queueDepth;
    }

    /** Messages handed to the SDK and not yet acknowledged. */
    public int inFlight() {
        return this.inFlight;
    }

    /** The most messages that may be queued and in flight together. */
    public int queueCapacity() {
        return this.queueCapacity;
    }

    /** How long the last planned reconnect left the identity without a connection (close to connected). */
    public Optional<Duration> lastPlannedReconnectGap() {
        return Optional.ofNullable(this.lastPlannedReconnectGap);
    }

    public Optional<Duration> maxPlannedReconnectGap() {
        return Optional.ofNullable(this.maxPlannedReconnectGap);
    }

    /** Total time without a connection since the first connection was established (planned gaps included). */
    public Duration disconnectedTime() {
        return this.disconnectedTime;
    }

    /** What is wrong with the configuration, if anything. */
    public List<String> configurationProblems() {
        return this.configurationProblems;
    }

    /**
     * Configuration values that were not usable and were replaced by their default (the connection works, but not
     * as configured), e.g. a number outside its range written through a snapshot or REST.
     *
     * @since 1.1
     */
    public List<String> configurationWarnings() {
        return this.configurationWarnings;
    }

    /**
     * Cloud-to-device messages handed to this connection by IoT Hub (redeliveries counted again).
     *
     * @since 1.1
     */
    public long cloudToDeviceReceived() {
        return this.cloudToDeviceReceived;
    }

    /**
     * Cloud-to-device messages every listener returned from normally; only these are acknowledged to IoT Hub.
     *
     * @since 1.1
     */
    public long cloudToDeviceTaken() {
        return this.cloudToDeviceTaken;
    }

    /**
     * Cloud-to-device messages left with IoT Hub for redelivery because a listener failed or did not return in
     * time (AMQP: abandoned; MQTT: not acknowledged, so IoT Hub sends it again after the next reconnect).
     *
     * @since 1.1
     */
    public long cloudToDeviceReturned() {
        return this.cloudToDeviceReturned;
    }

    /**
     * Cloud-to-device messages whose listeners failed on every one of the allowed deliveries: AMQP rejects them
     * (IoT Hub dead-letters), MQTT acknowledges them (its only acknowledgement). Each is logged as a warning.
     *
     * @since 1.1
     */
    public long cloudToDeviceGivenUp() {
        return this.cloudToDeviceGivenUp;
    }

    @Override
    public String toString() {
        return this.name + " " + this.identity + " " + this.transport + " " + this.state + " (" + this.reason
                + (this.detail == null ? "" : ": " + this.detail) + ") attempts=" + this.connectAttempts
                + " connects=" + this.connects + " planned=" + this.plannedReconnects + " unplanned="
                + this.unplannedReconnects + " expiryDrops=" + this.expiryDisconnects + " badCredentials="
                + this.badCredentials + " sent=" + this.messagesSent + " acked=" + this.messagesAcknowledged
                + " failed=" + this.messagesFailed + " queued=" + this.queueDepth + "/" + this.queueCapacity
                + " inFlight=" + this.inFlight
                + (this.lastPlannedReconnectGap == null ? ""
                        : " gap=" + this.lastPlannedReconnectGap.toMillis() + "ms max="
                                + this.maxPlannedReconnectGap.toMillis() + "ms");
    }

    /** Collects a snapshot's values; not thread-safe. */
    public static final class Builder {
        private String name;
        private HubIdentity identity;
        private Transport transport;
        private ConnectionState state;
        private ConnectionReason reason;
        private String detail;
        private Instant since;
        private Instant connectedSince;
        private long connectAttempts;
        private long connects;
        private long plannedReconnects;
        private long unplannedReconnects;
        private long expiryDisconnects;
        private long badCredentials;
        private long reprovisionRequests;
        private long messagesSubmitted;
        private long messagesSent;
        private long messagesAcknowledged;
        private long messagesFailed;
        private long messagesRefusedQueueFull;
        private int queueDepth;
        private int inFlight;
        private int queueCapacity;
        private Duration lastPlannedReconnectGap;
        private Duration maxPlannedReconnectGap;
        private Duration disconnectedTime;
        private List<String> configurationProblems = List.of();
        private List<String> configurationWarnings = List.of();
        private long cloudToDeviceReceived;
        private long cloudToDeviceTaken;
        private long cloudToDeviceReturned;
        private long cloudToDeviceGivenUp;

        private Builder() {
        }

        public Builder name(String value) {
            this.name = value;
            return this;
        }

        public Builder identity(HubIdentity value) {
            this.identity = value;
            return this;
        }

        public Builder transport(Transport value) {
            this.transport = value;
            return this;
        }

        public Builder state(ConnectionState value, ConnectionReason why, String detailText, Instant sinceTime) {
            this.state = value;
            this.reason = why;
            this.detail = detailText;
            this.since = sinceTime;
            return this;
        }

        public Builder connectedSince(Instant value) {
            this.connectedSince = value;
            return this;
        }

        public Builder reconnects(long attempts, long connectCount, long planned, long unplanned,
                long expiryDrops) {
            this.connectAttempts = attempts;
            this.connects = connectCount;
            this.plannedReconnects = planned;
            this.unplannedReconnects = unplanned;
            this.expiryDisconnects = expiryDrops;
            return this;
        }

        public Builder credentials(long refused, long reprovisionings) {
            this.badCredentials = refused;
            this.reprovisionRequests = reprovisionings;
            return this;
        }

        public Builder messages(long submitted, long sent, long acknowledged, long failed, long refusedQueueFull) {
            this.messagesSubmitted = submitted;
            this.messagesSent = sent;
            this.messagesAcknowledged = acknowledged;
            this.messagesFailed = failed;
            this.messagesRefusedQueueFull = refusedQueueFull;
            return this;
        }

        public Builder queue(int depth, int inFlightCount, int capacity) {
            this.queueDepth = depth;
            this.inFlight = inFlightCount;
            this.queueCapacity = capacity;
            return this;
        }

        public Builder gaps(Duration lastPlannedGap, Duration maxPlannedGap, Duration totalDisconnected) {
            this.lastPlannedReconnectGap = lastPlannedGap;
            this.maxPlannedReconnectGap = maxPlannedGap;
            this.disconnectedTime = totalDisconnected;
            return this;
        }

        public Builder configurationProblems(List<String> problems) {
            this.configurationProblems = problems == null ? List.of() : problems;
            return this;
        }

        /** @since 1.1 */
        public Builder configurationWarnings(List<String> warnings) {
            this.configurationWarnings = warnings == null ? List.of() : warnings;
            return this;
        }

        /** @since 1.1 */
        public Builder cloudToDevice(long received, long taken, long returned, long givenUp) {
            this.cloudToDeviceReceived = received;
            this.cloudToDeviceTaken = taken;
            this.cloudToDeviceReturned = returned;
            this.cloudToDeviceGivenUp = givenUp;
            return this;
        }

        public ConnectionStatus build() {
            return new ConnectionStatus(this);
        }
    }
}
