package io.azurekura.connector.itest.endtoend;

import static io.azurekura.connector.itest.endtoend.ConnectorConfiguration.STS_CLIENT_PID;
import static io.azurekura.connector.itest.endtoend.ConnectorConfiguration.dpsPid;
import static io.azurekura.connector.itest.endtoend.ConnectorConfiguration.hubPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.itest.runtime.KuraLikeRuntime;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;
import io.azurekura.connector.testsupport.pki.TestPki;

/**
 * Mistakes a user makes, on a gateway that is connected: each bad value is entered the way a user can enter it
 * (Kura's web console, which checks types, option lists and minimums against the metatype; values it refuses are
 * shown refused and also written past it, as a hand-edited snapshot or a management tool would), then fixed again.
 * The component must stay registered (so the console can fix it), say what is wrong, break nothing else, and
 * recover from the fix without a restart. One gateway serves all cases; each case ends connected again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadConfigurationTest {

    private static final String DEVICE = "misconfigured-gateway-1";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path assignments;

    private LoopbackAzure azure;
    private KuraLikeRuntime runtime;

    @BeforeAll
    void startConnectedGateway() throws Exception {
        this.azure = LoopbackAzure.builder().start().enroll(DEVICE);
        this.runtime = KuraLikeRuntime.start();
        this.runtime.registerKeystore(ConnectorConfiguration.LOOPBACK_TRUSTSTORE_PID, TestPki.shared().trustStore(),
                TestPki.PASSWORD);
        this.runtime.installDeploymentPackage(ShippedArtifacts.deploymentPackage());
        ConnectorConfiguration.forLoopback(this.azure, assignments, DEVICE).applyTo(this.runtime, TIMEOUT);
        awaitConnectedAndSending();
    }

    @AfterAll
    void stopEverything() {
        try {
            if (this.runtime != null) {
                this.runtime.close();
            }
        } finally {
            if (this.azure != null) {
                this.azure.close();
            }
        }
    }

    @AfterEach
    void everyComponentIsStillThere() {
        for (String pid : List.of(STS_CLIENT_PID, ConnectorConfiguration.TOKEN_CACHE_PID, dpsPid(DEVICE),
                hubPid(DEVICE))) {
            this.runtime.awaitServiceReference(ConfigurableComponent.class, "(kura.service.pid=" + pid + ")",
                    TIMEOUT);
        }
    }

    @Test
    void anEmptyTokenUrlIsReportedByTheStsClientAndTheConnectionRidesOnItsValidToken() throws Exception {
        String url = this.azure.tokenUrl();
        TokenSource source = this.runtime.awaitService(TokenSource.class,
                "(kura.service.pid=" + STS_CLIENT_PID + ")", TIMEOUT);

        this.runtime.updateConfiguration(STS_CLIENT_PID, Map.of("sts.url.device", ""));

        await().atMost(TIMEOUT).until(source::configurationProblem, p -> p.isPresent());
        assertThat(source.configurationProblem()).get().asString().containsIgnoringCase("url");
        SasTokenCache cache = this.runtime.awaitService(SasTokenCache.class, TIMEOUT);
        TokenScope probe = TokenScope.device(LoopbackAzure.HUB_HOST, "probe-" + System.nanoTime());
        try (ManagedToken token = cache.track(probe)) {
            await().atMost(TIMEOUT).until(() -> token.status().lastError().isPresent());
            assertThat(token.status().lastError()).get().asString().contains("NOT_CONFIGURED");
            assertThat(hubConnection().state()).as("the connection keeps its valid token")
                    .isEqualTo(ConnectionState.CONNECTED);

            this.runtime.updateConfiguration(STS_CLIENT_PID, Map.of("sts.url.device", url));

            await().atMost(TIMEOUT).until(source::configurationProblem, p -> p.isEmpty());
            // The probe identity is unknown to the token server: the answer is now the server's 404, not a
            // configuration problem
            await().atMost(TIMEOUT).until(() -> token.status().lastError().map(e -> !e.contains("NOT_CONFIGURED"))
                    .orElse(false));
        }
        awaitConnectedAndSending();
    }

    @Test
    void aMalformedDpsPayloadIsReportedWithoutCallingDpsWhileTheConnectionKeepsItsIdentity() throws Exception {
        DeviceProvisioner provisioner = provisioner();
        this.azure.dps().resetCounters();

        this.runtime.updateConfiguration(dpsPid(DEVICE), Map.of("dps.payload", "{\"site\": plant-9"));

        await().atMost(TIMEOUT).until(() -> provisioner.status().configurationProblem().isPresent());
        assertThat(provisioner.status().configurationProblem()).get().asString().containsIgnoringCase("JSON");
        assertThat(provisioner.status().state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(provisioner.status().lastFailure()).contains(ProvisioningFailure.CONFIGURATION);
        assertThat(this.azure.dps().totalRequests()).as("nothing sent to DPS").isZero();
        // The connection keeps the identity it was given; only a new assignment would change it
        awaitConnectedAndSending();

        this.runtime.updateConfiguration(dpsPid(DEVICE), Map.of("dps.payload", "{\"site\":\"plant-9\"}"));

        await().atMost(TIMEOUT).until(() -> provisioner.status().state() == ProvisioningState.ASSIGNED);
        assertThat(provisioner.status().configurationProblem()).isEmpty();
        awaitConnectedAndSending();
    }

    @Test
    void anUnknownTransportIsRefusedByTheConsoleAndWrittenPastItFallsBackToMqtt() throws Exception {
        assertThatThrownBy(() -> this.runtime.updateConfiguration(hubPid(DEVICE),
                Map.of("transport", "CARRIER_PIGEON"))).as("the console offers a drop-down of the four transports")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transport");
        assertThat(this.runtime.configuration(hubPid(DEVICE))).get()
                .satisfies(c -> assertThat(c).containsEntry("transport", "MQTT"));

        writePastTheConsole(hubPid(DEVICE), "transport", "CARRIER_PIGEON");

        await().atMost(TIMEOUT).until(() -> !this.runtime.log()
                .linesContaining("transport: 'CARRIER_PIGEON' is not one of").isEmpty());
        awaitConnectedAndSending();
        assertThat(hubConnection().status().transport()).isEqualTo(Transport.MQTT);

        this.runtime.updateConfiguration(hubPid(DEVICE), Map.of("transport", "MQTT"));
        awaitConnectedAndSending();
    }

    @Test
    void aNegativeTimeoutIsRefusedByTheConsoleAndWrittenPastItFallsBackToTheDefault() throws Exception {
        assertThatThrownBy(() -> this.runtime.updateConfiguration(STS_CLIENT_PID,
                Map.of("sts.read.timeout.ms", -5000))).as("the console enforces the metatype minimum")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sts.read.timeout.ms");

        writePastTheConsole(STS_CLIENT_PID, "sts.read.timeout.ms", -5000);

        await().atMost(TIMEOUT).until(() -> !this.runtime.log()
                .linesContaining("sts.read.timeout.ms: -5000 is outside").isEmpty());
        TokenSource source = this.runtime.awaitService(TokenSource.class,
                "(kura.service.pid=" + STS_CLIENT_PID + ")", TIMEOUT);
        assertThat(source.configurationProblem()).as("usable with the default timeout").isEmpty();
        SasTokenCache cache = this.runtime.awaitService(SasTokenCache.class, TIMEOUT);
        try (ManagedToken token = cache.track(TokenScope.device(LoopbackAzure.HUB_HOST, DEVICE))) {
            assertThat(token.awaitValid(TIMEOUT)).isTrue();
        }

        this.runtime.updateConfiguration(STS_CLIENT_PID, Map.of("sts.read.timeout.ms", 10000));
        awaitConnectedAndSending();
    }

    /**
     * Writes a value into ConfigAdmin without the console's checks, keeping every other property, as a restored
     * snapshot edited by hand or a management tool writing ConfigAdmin directly would.
     */
    private void writePastTheConsole(String kuraServicePid, String key, Object value) throws Exception {
        ConfigurationAdmin configAdmin = this.runtime.awaitService(ConfigurationAdmin.class, TIMEOUT);
        Configuration[] found = configAdmin.listConfigurations("(kura.service.pid=" + kuraServicePid + ")");
        assertThat(found).as("configuration of %s", kuraServicePid).hasSize(1);
        Dictionary<String, Object> properties = found[0].getProperties();
        properties.put(key, value);
        found[0].update(properties);
    }

    private DeviceProvisioner provisioner() {
        return this.runtime.awaitService(DeviceProvisioner.class, "(kura.service.pid=" + dpsPid(DEVICE) + ")",
                TIMEOUT);
    }

    private HubConnection hubConnection() {
        return this.runtime.awaitService(HubConnection.class, "(kura.service.pid=" + hubPid(DEVICE) + ")", TIMEOUT);
    }

    private void awaitConnectedAndSending() throws Exception {
        HubConnection connection = hubConnection();
        await().atMost(TIMEOUT).until(connection::state, s -> s == ConnectionState.CONNECTED);
        connection.send(TelemetryMessage.ofJson("{\"ok\":true}")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
