package io.azurekura.connector.itest.endtoend;

import static io.azurekura.connector.itest.endtoend.ConnectorConfiguration.dpsPid;
import static io.azurekura.connector.itest.endtoend.ConnectorConfiguration.hubPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.itest.runtime.KuraLikeRuntime;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;
import io.azurekura.connector.testsupport.dps.DpsRequest;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.hub.HubCounters;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * The connector as a gateway runs it, from the built .dp to telemetry and through a reboot: installed through
 * DeploymentAdmin, configured as a user would in Kura's web console, provisioned by DPS, connected to IoT Hub over
 * MQTT/TLS with tokens from the token server, which live only {@value #TOKEN_TTL_SECONDS} s so that several
 * lifetimes pass within the test. Runs on Felix and again on Equinox (Kura's framework).
 */
class EndToEndTest {

    private static final int TOKEN_TTL_SECONDS = 8;
    private static final Duration TOKEN_TTL = Duration.ofSeconds(TOKEN_TTL_SECONDS);
    private static final String DEVICE = "e2e-gateway-1";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TELEMETRY_INTERVAL = Duration.ofMillis(500);

    @TempDir
    Path assignments;

    private LoopbackAzure azure;
    private KuraLikeRuntime runtime;
    private ScheduledExecutorService sender;

    @BeforeEach
    void startGatewayAndAzure() {
        LogSecretScan.verboseLogging();
        this.azure = LoopbackAzure.builder().tokenTtl(TOKEN_TTL).start().enroll(DEVICE);
        this.runtime = KuraLikeRuntime.start();
        this.runtime.registerKeystore(ConnectorConfiguration.LOOPBACK_TRUSTSTORE_PID, TestPki.shared().trustStore(),
                TestPki.PASSWORD);
    }

    @AfterEach
    void stopEverything() {
        try {
            if (this.sender != null) {
                this.sender.shutdownNow();
            }
            if (this.runtime != null) {
                this.runtime.close();
            }
        } finally {
            LogSecretScan.defaultLogging();
            if (this.azure != null) {
                this.azure.close();
            }
        }
    }

    @Test
    void provisionsConnectsRenewsThroughAnStsOutageAndReconnectsAfterARebootWithoutDps() throws Exception {
        // 1. The .dp through DeploymentAdmin, then the four components as entered in the web console
        this.runtime.installDeploymentPackage(ShippedArtifacts.deploymentPackage());
        ConnectorConfiguration.forLoopback(this.azure, this.assignments, DEVICE).applyTo(this.runtime, TIMEOUT);

        // 2. DPS provisioning: one registration, assignment saved where configured
        DeviceProvisioner provisioner = provisioner();
        assertThat(provisioner.awaitAssignment(TIMEOUT)).as("assigned by DPS: %s", provisioner.status()).isTrue();
        Assignment assignment = provisioner.assignment().orElseThrow();
        assertThat(assignment.assignedHub()).isEqualTo(LoopbackAzure.HUB_HOST);
        assertThat(assignment.deviceId()).isEqualTo(DEVICE);
        ProvisioningStatus provisioned = provisioner.status();
        assertThat(provisioned.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(provisioned.isFromSavedAssignment()).isFalse();
        assertThat(this.azure.dps().counters(DEVICE).registerRequests()).isEqualTo(1);
        assertThat(savedAssignments()).as("the assignment saved in the configured directory").hasSize(1);
        List<String> dpsTokens = this.azure.dps().requestLog().stream().map(DpsRequest::authorization)
                .filter(Objects::nonNull).toList();
        assertThat(dpsTokens).as("DPS requests carried registration tokens").isNotEmpty();

        // 3. The hub connection takes the assigned identity and its telemetry is acknowledged
        HubConnection connection = hubConnection();
        awaitConnected(connection);
        assertThat(connection.identity()).contains(HubIdentity.device(LoopbackAzure.HUB_HOST, DEVICE,
                IdentitySource.DPS));
        MessageReceipt first = connection.send(TelemetryMessage.ofJson("{\"n\":0}")).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertThat(this.azure.hub().messages(DEVICE)).anySatisfy(m -> assertThat(m.messageId())
                .isEqualTo(first.messageId()));

        // 4. Several token lifetimes with telemetry flowing, including an STS outage across a renewal
        SasTokenCache cache = this.runtime.awaitService(SasTokenCache.class, TIMEOUT);
        TokenScope scope = TokenScope.device(LoopbackAzure.HUB_HOST, DEVICE);
        Instant start = Instant.now();
        List<CompletableFuture<MessageReceipt>> sent = sendContinuously(connection);

        // After a completed renewal (a later expiry, VALID), so that the outage starts with a fresh token and
        // covers the next renewal; stsCalls alone would count a renewal still in flight
        Instant firstExpiry = tokenStatus(cache, scope).expiresAt().orElseThrow();
        TokenStatus beforeOutage = await().atMost(TIMEOUT).until(() -> tokenStatus(cache, scope),
                s -> s.state() == TokenState.VALID && s.expiresAt().filter(e -> e.isAfter(firstExpiry)).isPresent());
        Instant expiryBeforeOutage = beforeOutage.expiresAt().orElseThrow();
        this.azure.tokenServer().setAvailable(false);
        Instant outageStart = Instant.now();
        // The outage lasts until renewal attempts have failed: the renewal falls into it
        await().atMost(TIMEOUT).until(() -> tokenStatus(cache, scope).failures() >= beforeOutage.failures() + 2);
        assertThat(connection.state()).as("connected during the STS outage").isEqualTo(ConnectionState.CONNECTED);
        this.azure.tokenServer().setAvailable(true);
        Instant outageEnd = Instant.now();
        assertThat(outageEnd).as("the outage ended before the token in use expired").isBefore(expiryBeforeOutage);
        await().atMost(TIMEOUT).until(() -> tokenStatus(cache, scope).lastRenewedAt()
                .filter(renewed -> renewed.isAfter(outageStart)).isPresent());
        assertThat(tokenStatus(cache, scope).state()).isEqualTo(TokenState.VALID);

        await().atMost(TOKEN_TTL.multipliedBy(6)).until(() -> Duration.between(start, Instant.now())
                .compareTo(TOKEN_TTL.multipliedBy(3)) >= 0);
        this.sender.shutdown();
        assertThat(this.sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

        ConnectionStatus status = connection.status();
        HubCounters hub = this.azure.hub().counters();
        assertThat(status.expiryDisconnects()).as("expiry drops seen by the connector: %s", status).isZero();
        assertThat(hub.expiryDrops(DEVICE)).as("expiry drops by the hub").isZero();
        assertThat(hub.authFailures(DEVICE)).as("tokens the hub refused").isZero();
        assertThat(hub.kicks(DEVICE)).as("duplicate connections").isZero();
        assertThat(status.unplannedReconnects()).as("unplanned reconnects: %s", status).isZero();
        assertThat(status.plannedReconnects()).as("renewed tokens put into use by planned reconnects")
                .isGreaterThanOrEqualTo(3);
        assertThat(successfulFetches(tokenStatus(cache, scope))).as("token fetches over three lifetimes")
                .isGreaterThanOrEqualTo(4);
        assertThat(status.messagesFailed()).isZero();
        assertThat(status.messagesAcknowledged()).isEqualTo(sent.size() + 1L);
        List<Instant> tokensUsed = connectedTokenExpiries();
        assertThat(tokensUsed).as("every connection with a newer token").doesNotHaveDuplicates().isSorted();

        // 5. Reboot: the saved assignment is used, DPS is not called, the connection comes back
        List<String> signatures = new ArrayList<>(hubTokenSignatures(tokensUsed));
        dpsTokens.forEach(token -> signatures.add(SasVerifier.parse(token).signature));
        this.azure.dps().resetCounters();
        long connectsBeforeReboot = hub.connects(DEVICE);
        this.runtime.restart();

        DeviceProvisioner restarted = provisioner();
        assertThat(restarted.awaitAssignment(TIMEOUT)).isTrue();
        assertThat(restarted.assignment()).get().extracting(Assignment::assignedHub, Assignment::deviceId)
                .containsExactly(LoopbackAzure.HUB_HOST, DEVICE);
        HubConnection reconnected = hubConnection();
        awaitConnected(reconnected);
        reconnected.send(TelemetryMessage.ofJson("{\"rebooted\":true}")).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertThat(restarted.status().isFromSavedAssignment()).isTrue();
        assertThat(restarted.status().dpsCalls()).isZero();
        assertThat(this.azure.dps().totalRequests()).as("DPS requests after the reboot").isZero();
        // At least one: a renewal may already have reconnected with its new token
        assertThat(hub.connects(DEVICE)).as("connected again after the reboot").isGreaterThan(connectsBeforeReboot);
        assertThat(hub.kicks(DEVICE)).isZero();

        // 6. Nothing secret in any log line of the whole run (connector, SDK, framework services, emulators)
        signatures.addAll(hubTokenSignatures(connectedTokenExpiries()));
        List<String> secrets = new ArrayList<>(this.azure.secrets());
        secrets.addAll(signatures);
        List<String> lines = this.runtime.log().lines();
        assertThat(lines).as("the log was captured").anyMatch(line -> line.contains("io.azurekura.connector"))
                .as("debug lines were captured too").anyMatch(line -> line.startsWith("FINE "));
        assertThat(LogSecretScan.leaks(lines, secrets)).as("log lines with secrets").isEmpty();
    }

    private DeviceProvisioner provisioner() {
        return this.runtime.awaitService(DeviceProvisioner.class, "(kura.service.pid=" + dpsPid(DEVICE) + ")",
                TIMEOUT);
    }

    private HubConnection hubConnection() {
        return this.runtime.awaitService(HubConnection.class, "(kura.service.pid=" + hubPid(DEVICE) + ")", TIMEOUT);
    }

    private static void awaitConnected(HubConnection connection) {
        await().atMost(TIMEOUT).until(connection::status, s -> s.state() == ConnectionState.CONNECTED);
    }

    private static TokenStatus tokenStatus(SasTokenCache cache, TokenScope scope) {
        return cache.status(scope).orElseThrow(() -> new AssertionError("the cache does not track " + scope));
    }

    private static long successfulFetches(TokenStatus status) {
        return status.stsCalls() - status.failures();
    }

    private List<CompletableFuture<MessageReceipt>> sendContinuously(HubConnection connection) {
        List<CompletableFuture<MessageReceipt>> sent = new CopyOnWriteArrayList<>();
        AtomicInteger counter = new AtomicInteger();
        this.sender = Executors.newSingleThreadScheduledExecutor(task -> new Thread(task, "e2e-telemetry"));
        this.sender.scheduleAtFixedRate(() -> sent.add(connection.send(TelemetryMessage.ofJson(
                "{\"n\":" + counter.incrementAndGet() + "}")).toCompletableFuture()), 0,
                TELEMETRY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return sent;
    }

    private List<Instant> connectedTokenExpiries() {
        return this.azure.hub().connectionEvents(DEVICE).stream()
                .filter(e -> e.kind() == ConnectionEvent.Kind.CONNECTED).map(ConnectionEvent::tokenExpiry).toList();
    }

    /** The signatures of the tokens the hub accepted, recomputed from the device key and each token's expiry. */
    private List<String> hubTokenSignatures(List<Instant> expiries) {
        String resource = TokenScope.device(LoopbackAzure.HUB_HOST, DEVICE).resourceUri();
        return expiries.stream().map(se -> SasVerifier.parse(SasSigner.sign(resource, this.azure.key(DEVICE),
                se.getEpochSecond(), null, SasSigner.ResourceForm.PLAIN)).signature).toList();
    }

    private List<Path> savedAssignments() throws Exception {
        try (Stream<Path> files = Files.list(this.assignments)) {
            return files.toList();
        }
    }
}
