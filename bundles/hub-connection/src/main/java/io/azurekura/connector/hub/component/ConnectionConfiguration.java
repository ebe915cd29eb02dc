package io.azurekura.connector.hub.component;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.api.token.IdentityIds;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.kura.ConfigurationReader;
import io.azurekura.connector.common.redact.Redactor;
import io.azurekura.connector.hub.supervisor.SupervisorSettings;

/**
 * One instance's configuration, read defensively: bad numbers fall back to defaults (warnings); an identity that
 * cannot work makes the connection MISCONFIGURED (problems) instead of failing activation.
 */
final class ConnectionConfiguration {


    final String name;
    final IdentitySource identitySource;
    final HubIdentity staticIdentity;
    final String moduleId;
    final TrustSource trustSource;
    final Path pemFile;
    final SupervisorSettings settings;
    /** Share one AMQP connection per hub with the gateway's other multiplexed identities. */
    final boolean multiplexed;
    /** The gateway-wide connect rate and burst (every instance carries them; the latest configured applies). */
    final int connectRatePerSecond;
    final int connectBurst;
    final List<String> warnings;
    /** Equal for two configurations that connect as the same identity (then queued messages carry over). */
    final String identityKey;

    ConnectionConfiguration(Map<String, ?> properties) {
        ConfigurationReader config = new ConfigurationReader(properties);
        List<String> problems = new ArrayList<>();
        this.name = config.string("kura.service.pid", config.string("service.pid", HubConnectionManager.PID));
        this.identitySource = config.choice("identity.source", IdentitySource.class, IdentitySource.STATIC);
        String module = config.string("module.id", "");
        this.moduleId = module.isEmpty() ? null : module;
        if (this.moduleId != null) {
            IdentityIds.deviceIdProblem(this.moduleId).ifPresent(p -> problems.add("module.id " + p));
        }
        HubIdentity fixed = null;
        if (this.identitySource == IdentitySource.STATIC) {
            String host = config.string("hub.host", "");
            String device = config.string("device.id", "");
            if (host.isEmpty()) {
                problems.add("hub.host is required for a static identity");
            } else {
                IdentityIds.hubHostNameProblem(host).ifPresent(p -> problems.add("hub.host " + p));
            }
            if (device.isEmpty()) {
                problems.add("device.id is required for a static identity");
            } else {
                IdentityIds.deviceIdProblem(device).ifPresent(p -> problems.add("device.id " + p));
            }
            if (problems.isEmpty()) {
                fixed = HubIdentity.module(host, device, this.moduleId, IdentitySource.STATIC);
            }
        }
        this.staticIdentity = fixed;
        this.trustSource = config.choice("trust.source", TrustSource.class, TrustSource.SYSTEM);
        String pem = config.string("trust.pem.file", "");
        this.pemFile = pem.isEmpty() ? null : Path.of(pem);
        if (this.trustSource == TrustSource.PEM_FILE && this.pemFile == null) {
            problems.add("trust.pem.file is required when trust.source is PEM_FILE");
        }

        Transport transport = config.choice("transport", Transport.class, Transport.MQTT);
        boolean multiplexing = config.bool("amqp.multiplexing", false);
        boolean amqp = transport == Transport.AMQPS || transport == Transport.AMQPS_WS;
        if (multiplexing && amqp && this.moduleId != null) {
            // MultiplexingClient (SDK 2.5.0) registers DeviceClients only (docs/iot-hub-amqp.md "Modules").
            problems.add("amqp.multiplexing: the Azure SDK cannot multiplex modules; set amqp.multiplexing to false "
                    + "for a module (it then has an AMQP connection of its own)");
        }
        long initial = config.number("reconnect.initial.delay.ms", 1000, 100, 3_600_000);
        long max = config.number("reconnect.max.delay.ms", 60_000, 1000, 86_400_000);
        if (max < initial) {
            config.problem("reconnect.max.delay.ms is smaller than reconnect.initial.delay.ms; using the first "
                    + "delay for both");
            max = initial;
        }
        SecureRandom random = new SecureRandom();
        ExponentialBackoff backoff = new ExponentialBackoff(Duration.ofMillis(initial), Duration.ofMillis(max),
                Duration.ofMillis(max), random::nextDouble);
        SupervisorSettings.Builder settings = SupervisorSettings.builder(this.name, backoff).transport(transport)
                .keepAliveSeconds((int) config.number("keep.alive.seconds", 230, 10, 1767))
                .operationTimeout(Duration.ofSeconds(config.number("operation.timeout.seconds", 240, 10, 86_400)))
                .plannedRenewal(config.bool("renewal.reconnect.enabled", true))
                .renewalJitter(Duration.ofSeconds(config.number("renewal.reconnect.jitter.seconds", 30, 0, 3600)))
                .badCredentialThreshold((int) config.number("bad.credential.reprovision.threshold", 3, 1, 1000))
                .queueCapacity((int) config.number("queue.capacity", 1000, 1, 1_000_000))
                .messageTimeout(Duration.ofSeconds(config.number("message.timeout.seconds", 300, 1, 604_800)))
                .cloudToDeviceTimeout(Duration.ofSeconds(config.number("c2d.listener.timeout.seconds", 10, 1, 600)))
                .configurationProblems(problems);
        if (multiplexing && !amqp) {
            config.problem("amqp.multiplexing applies to AMQP transports only; " + transport + " connects alone");
        }
        this.multiplexed = multiplexing && amqp && this.moduleId == null;
        this.connectRatePerSecond = (int) config.number("connect.rate.per.second", 10, 1, 1000);
        this.connectBurst = (int) config.number("connect.burst", 10, 1, 1000);
        // Values read from a snapshot or REST reach the log and the status: one line each, bounded.
        this.warnings = config.problems().stream().map(Redactor::excerpt).collect(Collectors.toUnmodifiableList());
        this.settings = settings.configurationWarnings(this.warnings).build();
        this.identityKey = this.identitySource + "|" + (this.staticIdentity == null ? "" : this.staticIdentity)
                + "|" + (this.moduleId == null ? "" : this.moduleId) + "|"
                + (this.identitySource == IdentitySource.DPS ? config.string("DeviceProvisioner.target", "") : "");
    }
}
