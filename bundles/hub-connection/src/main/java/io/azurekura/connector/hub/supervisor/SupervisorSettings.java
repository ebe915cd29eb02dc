package io.azurekura.connector.hub.supervisor;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.common.backoff.ExponentialBackoff;

/** How one connection behaves; immutable. Defaults follow the SDK's where the SDK has one. */
public final class SupervisorSettings {

    private final String name;
    private final Transport transport;
    private final int keepAliveSeconds;
    private final Duration operationTimeout;
    private final ExponentialBackoff reconnectBackoff;
    private final int queueCapacity;
    private final Duration messageTimeout;
    private final boolean plannedRenewal;
    private final Duration renewalJitter;
    private final int badCredentialThreshold;
    private final Duration drainTimeout;
    private final Duration flapWindow;
    private final Duration tickInterval;
    private final Duration closeTimeout;
    private final List<String> configurationProblems;
    private final List<String> configurationWarnings;
    private final Duration cloudToDeviceTimeout;
    private final int cloudToDeviceMaxDeliveries;

    private SupervisorSettings(Builder b) {
        this.name = Objects.requireNonNull(b.name, "name");
        this.transport = Objects.requireNonNull(b.transport, "transport");
        this.keepAliveSeconds = b.keepAliveSeconds;
        this.operationTimeout = b.operationTimeout;
        this.reconnectBackoff = Objects.requireNonNull(b.reconnectBackoff, "reconnectBackoff");
        this.queueCapacity = b.queueCapacity;
        this.messageTimeout = b.messageTimeout;
        this.plannedRenewal = b.plannedRenewal;
        this.renewalJitter = b.renewalJitter;
        this.badCredentialThreshold = b.badCredentialThreshold;
        this.drainTimeout = b.drainTimeout;
        this.flapWindow = b.flapWindow;
        this.tickInterval = b.tickInterval;
        this.closeTimeout = b.closeTimeout;
        this.configurationProblems = List.copyOf(b.configurationProblems);
        this.configurationWarnings = List.copyOf(b.configurationWarnings);
        this.cloudToDeviceTimeout = b.cloudToDeviceTimeout;
        this.cloudToDeviceMaxDeliveries = b.cloudToDeviceMaxDeliveries;
    }

    public static Builder builder(String name, ExponentialBackoff reconnectBackoff) {
        return new Builder(name, reconnectBackoff);
    }

    public String name() {
        return this.name;
    }

    public Transport transport() {
        return this.transport;
    }

    public int keepAliveSeconds() {
        return this.keepAliveSeconds;
    }

    public Duration operationTimeout() {
        return this.operationTimeout;
    }

    public ExponentialBackoff reconnectBackoff() {
        return this.reconnectBackoff;
    }

    public int queueCapacity() {
        return this.queueCapacity;
    }

    public Duration messageTimeout() {
        return this.messageTimeout;
    }

    public boolean plannedRenewal() {
        return this.plannedRenewal;
    }

    public Duration renewalJitter() {
        return this.renewalJitter;
    }

    public int badCredentialThreshold() {
        return this.badCredentialThreshold;
    }

    public Duration drainTimeout() {
        return this.drainTimeout;
    }

    public Duration flapWindow() {
        return this.flapWindow;
    }

    public Duration tickInterval() {
        return this.tickInterval;
    }

    public Duration closeTimeout() {
        return this.closeTimeout;
    }

    /** Problems that keep the connection from working at all; non-empty means MISCONFIGURED. */
    public List<String> configurationProblems() {
        return this.configurationProblems;
    }

    /** Values replaced by their defaults: the connection works, but not as configured. */
    public List<String> configurationWarnings() {
        return this.configurationWarnings;
    }

    /**
     * How long the SDK's receive thread waits for the listeners' verdict on one cloud-to-device message before the
     * message is left with the hub for redelivery.
     */
    public Duration cloudToDeviceTimeout() {
        return this.cloudToDeviceTimeout;
    }

    /** Failed deliveries of one cloud-to-device message before it is given up. */
    public int cloudToDeviceMaxDeliveries() {
        return this.cloudToDeviceMaxDeliveries;
    }

    /** Collects settings; not thread-safe. */
    public static final class Builder {
        private final String name;
        private ExponentialBackoff reconnectBackoff;
        private Transport transport = Transport.MQTT;
        /** The SDK's default keep-alive (ClientConfiguration): MQTT keep-alive and AMQP idle timeout. */
        private int keepAliveSeconds = 230;
        /** The SDK's DEFAULT_OPERATION_TIMEOUT: bounds its own reconnect loop and message retries. */
        private Duration operationTimeout = Duration.ofMinutes(4);
        private int queueCapacity = 1000;
        private Duration messageTimeout = Duration.ofMinutes(5);
        private boolean plannedRenewal = true;
        private Duration renewalJitter = Duration.ofSeconds(30);
        private int badCredentialThreshold = 3;
        private Duration drainTimeout = Duration.ofSeconds(2);
        private Duration flapWindow = Duration.ofSeconds(60);
        private Duration tickInterval = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private List<String> configurationProblems = List.of();
        private List<String> configurationWarnings = List.of();
        private Duration cloudToDeviceTimeout = Duration.ofSeconds(10);
        private int cloudToDeviceMaxDeliveries = 3;

        private Builder(String name, ExponentialBackoff reconnectBackoff) {
            this.name = name;
            this.reconnectBackoff = reconnectBackoff;
        }

        /** Delays between clients opened after a failure (and of the SDK's own reconnects after the first). */
        public Builder reconnectBackoff(ExponentialBackoff value) {
            this.reconnectBackoff = value;
            return this;
        }

        public Builder transport(Transport value) {
            this.transport = value;
            return this;
        }

        public Builder keepAliveSeconds(int value) {
            this.keepAliveSeconds = value;
            return this;
        }

        public Builder operationTimeout(Duration value) {
            this.operationTimeout = value;
            return this;
        }

        public Builder queueCapacity(int value) {
            this.queueCapacity = value;
            return this;
        }

        public Builder messageTimeout(Duration value) {
            this.messageTimeout = value;
            return this;
        }

        /** Reconnect with the renewed token before the old one expires (MQTT only; AMQP renews in place). */
        public Builder plannedRenewal(boolean value) {
            this.plannedRenewal = value;
            return this;
        }

        /** The longest random delay before a planned reconnect (capped at half the old token's remaining life). */
        public Builder renewalJitter(Duration value) {
            this.renewalJitter = value;
            return this;
        }

        /** Refusals of fresh tokens before a DPS-provisioned identity asks to be reprovisioned. */
        public Builder badCredentialThreshold(int value) {
            this.badCredentialThreshold = value;
            return this;
        }

        public Builder drainTimeout(Duration value) {
            this.drainTimeout = value;
            return this;
        }

        /** A connection lost sooner than this after connecting counts as flapping (e.g. a duplicate identity). */
        public Builder flapWindow(Duration value) {
            this.flapWindow = value;
            return this;
        }

        public Builder tickInterval(Duration value) {
            this.tickInterval = value;
            return this;
        }

        public Builder closeTimeout(Duration value) {
            this.closeTimeout = value;
            return this;
        }

        public Builder configurationProblems(List<String> problems) {
            this.configurationProblems = problems;
            return this;
        }

        public Builder configurationWarnings(List<String> warnings) {
            this.configurationWarnings = warnings;
            return this;
        }

        public Builder cloudToDeviceTimeout(Duration value) {
            this.cloudToDeviceTimeout = value;
            return this;
        }

        public Builder cloudToDeviceMaxDeliveries(int value) {
            this.cloudToDeviceMaxDeliveries = value;
            return this;
        }

        public SupervisorSettings build() {
            return new SupervisorSettings(this);
        }
    }
}
