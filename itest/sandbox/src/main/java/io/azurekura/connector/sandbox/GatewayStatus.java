package io.azurekura.connector.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.itest.endtoend.ConnectorConfiguration;
import io.azurekura.connector.itest.endtoend.LoopbackAzure;
import io.azurekura.connector.testsupport.hub.HubCounters;

/**
 * One look at everything the sandbox runs: each DPS provisioner's result, each hub connection's state and
 * counters, each token's expiry and renewals, the token server and DPS calls as the connector counts them (and as
 * the emulators count them), and the demo sender's telemetry. {@link #problems()} lists what counts as the
 * connector failing; the sandbox exits non-zero if any is left at the end.
 */
final class GatewayStatus {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private final List<String> lines = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /**
     * @param last whether this is the last look (no or stalled telemetry then counts as a failure)
     */
    GatewayStatus(ServiceLookup services, ConnectorConfiguration configuration, LoopbackAzure azure,
            DemoSender sender, Duration uptime, Duration telemetryInterval, boolean last) {
        Instant now = Instant.now();
        long connectorStsCalls = 0;
        long connectorDpsCalls = 0;

        Optional<TokenSource> sts = services.find(TokenSource.class, ConnectorConfiguration.STS_CLIENT_PID);
        if (sts.isEmpty()) {
            this.problems.add("the token server client is not registered");
        } else {
            sts.get().configurationProblem().ifPresent(p -> this.problems.add("token server client: " + p));
        }

        for (String pid : configuration.instancePids(ConnectorConfiguration.DPS_FACTORY_PID)) {
            Optional<DeviceProvisioner> provisioner = services.find(DeviceProvisioner.class, pid);
            if (provisioner.isEmpty()) {
                this.lines.add(String.format("  %-28s not registered", pid));
                this.problems.add(pid + " is not registered");
                continue;
            }
            ProvisioningStatus status = provisioner.get().status();
            connectorDpsCalls += status.dpsCalls();
            String result = status.assignment().map(a -> a.assignedHub() + "/devices/" + a.deviceId()
                    + (status.isFromSavedAssignment() ? " (saved assignment, no DPS call)" : " (from DPS)"))
                    .orElse(status.lastError().orElse("no assignment yet"));
            this.lines.add(String.format("  %-28s %-10s %s | DPS calls %d", pid, status.state(), result,
                    status.dpsCalls()));
            status.configurationProblem().ifPresent(p -> this.problems.add(pid + ": " + p));
            if (status.state() == ProvisioningState.FAILED) {
                this.problems.add(pid + ": provisioning failed: " + status.lastError().orElse("?"));
            }
        }

        for (String pid : configuration.instancePids(ConnectorConfiguration.HUB_FACTORY_PID)) {
            Optional<HubConnection> connection = services.find(HubConnection.class, pid);
            DemoSender.Counts counts = sender.counts().get(pid);
            if (connection.isEmpty()) {
                this.lines.add(String.format("  %-28s not registered", pid));
                this.problems.add(pid + " is not registered");
                continue;
            }
            ConnectionStatus status = connection.get().status();
            this.lines.add(String.format("  %-28s %-10s %s%s %s since %s", pid, status.state(), status.reason(),
                    status.detail().map(d -> " (" + d + ")").orElse(""),
                    status.identity().map(i -> i.hubHost() + "/devices/" + i.deviceId()).orElse("-"),
                    CLOCK.format(status.since())));
            this.lines.add(String.format("  %-28s connects %d, planned reconnects %d, unplanned %d, expiry drops %d"
                    + ", refused tokens %d", "", status.connects(), status.plannedReconnects(),
                    status.unplannedReconnects(), status.expiryDisconnects(), status.badCredentials()));
            this.lines.add(String.format("  %-28s telemetry sent %d, acknowledged %d, failed %d%s", "",
                    counts.sent.get(), counts.acknowledged.get(), counts.failed.get(),
                    counts.lastAcknowledged.get() == null ? ""
                            : ", last ack " + seconds(Duration.between(counts.lastAcknowledged.get(), now))
                                    + " ago"));
            if (status.state() == ConnectionState.MISCONFIGURED || !status.configurationProblems().isEmpty()) {
                this.problems.add(pid + ": misconfigured: " + status.configurationProblems());
            }
            if (status.expiryDisconnects() > 0) {
                this.problems.add(pid + ": " + status.expiryDisconnects() + " expiry drop(s)");
            }
            if (counts.failed.get() > 0) {
                this.problems.add(pid + ": " + counts.failed.get() + " message(s) failed, last: "
                        + counts.lastFailure.get());
            }
            if (last) {
                Instant lastAck = counts.lastAcknowledged.get();
                if (lastAck == null) {
                    this.problems.add(pid + ": no telemetry acknowledged");
                } else if (Duration.between(lastAck, now).compareTo(telemetryInterval.multipliedBy(3)
                        .plusSeconds(10)) > 0 && uptime.compareTo(telemetryInterval.multipliedBy(4)) > 0) {
                    this.problems.add(pid + ": telemetry stalled, last acknowledged "
                            + seconds(Duration.between(lastAck, now)) + " ago");
                }
            }
        }

        Optional<SasTokenCache> cache = services.find(SasTokenCache.class);
        if (cache.isEmpty()) {
            this.problems.add("the token cache is not registered");
        } else {
            for (TokenStatus token : cache.get().statuses()) {
                connectorStsCalls += token.stsCalls();
                long renewals = Math.max(0, token.stsCalls() - token.failures() - 1);
                this.lines.add(String.format("  token %-22s %-8s expires %s, next renewal %s | renewals %d, STS "
                        + "calls %d, failures %d%s", token.scope(), token.state(),
                        token.expiresAt().map(e -> "in " + seconds(Duration.between(now, e))).orElse("-"),
                        token.nextRenewalAt().map(r -> "in " + seconds(Duration.between(now, r))).orElse("-"),
                        renewals, token.stsCalls(), token.failures(),
                        token.lastError().map(e -> " | last error: " + e).orElse("")));
                if (token.state() == TokenState.EXPIRED) {
                    this.problems.add("token " + token.scope() + " expired: " + token.lastError().orElse("?"));
                } else if ((token.state() == TokenState.FAILING || token.state() == TokenState.PENDING)
                        && token.lastError().isPresent()) {
                    // Not a failure by itself (the cache retries), but the likely reason for one
                    this.notes.add("token " + token.scope() + " " + token.state() + ": " + token.lastError().get());
                }
            }
        }

        // The connector's counts cover the tokens and provisioners alive now; the emulators count every request
        StringBuilder head = new StringBuilder(String.format("[%s] up %s | STS calls %d (for tokens in use)",
                CLOCK.format(now), seconds(uptime), connectorStsCalls));
        if (azure != null) {
            HubCounters hub = azure.hub().counters();
            head.append(", token server saw ").append(azure.tokenServer().totalRequests())
                    .append(" | DPS calls ").append(connectorDpsCalls).append(", DPS saw ")
                    .append(azure.dps().totalRequests()).append(" | hub: connects ").append(hub.connects())
                    .append(", messages ").append(hub.messagesReceived()).append(", expiry drops ")
                    .append(hub.expiryDrops()).append(", duplicate-client kicks ").append(hub.kicks());
            if (hub.expiryDrops() > 0) {
                this.problems.add("the hub dropped " + hub.expiryDrops() + " connection(s) for an expired token");
            }
        } else {
            head.append(" | DPS calls ").append(connectorDpsCalls);
        }
        this.lines.add(0, head.toString());
    }

    List<String> problems() {
        return this.problems;
    }

    String render() {
        StringBuilder text = new StringBuilder(String.join(System.lineSeparator(), this.lines));
        if (!this.problems.isEmpty()) {
            text.append(System.lineSeparator()).append("  PROBLEMS: ").append(String.join("; ", this.problems));
        }
        if (!this.notes.isEmpty()) {
            text.append(System.lineSeparator()).append("  NOTE: ").append(String.join("; ", this.notes));
        }
        return text.toString();
    }

    static String seconds(Duration duration) {
        long s = Math.max(0, duration.toSeconds());
        return s < 120 ? s + "s" : s / 60 + "m" + String.format("%02d", s % 60) + "s";
    }
}
