package io.azurekura.connector.itest.endtoend;

import static io.azurekura.connector.itest.endtoend.ConnectorConfiguration.dpsPid;
import static io.azurekura.connector.itest.endtoend.ConnectorConfiguration.hubPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.itest.runtime.ConnectorResources;
import io.azurekura.connector.itest.runtime.DeploymentPackageVersions;
import io.azurekura.connector.itest.runtime.InstalledDeploymentPackage;
import io.azurekura.connector.itest.runtime.KuraLikeRuntime;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.pki.TestPki;

/**
 * What a user does on a running gateway from Kura's Packages page: installs release N+1 of the .dp over release N
 * while the connection is up, then uninstalls it. The upgrade must keep the configuration, replace the bundles (not
 * leave them alone), come back with exactly one connection, and the uninstall must leave no thread and no socket of
 * the connector behind.
 */
class HotRedeployTest {

    private static final String DEVICE = "redeploy-gateway-1";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path work;

    private LoopbackAzure azure;
    private KuraLikeRuntime runtime;

    @BeforeEach
    void startGatewayAndAzure() {
        this.azure = LoopbackAzure.builder().start().enroll(DEVICE);
        this.runtime = KuraLikeRuntime.start();
        this.runtime.registerKeystore(ConnectorConfiguration.LOOPBACK_TRUSTSTORE_PID, TestPki.shared().trustStore(),
                TestPki.PASSWORD);
    }

    @AfterEach
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

    @Test
    void releaseNPlusOneReplacesTheBundlesWhileConnectedAndUninstallLeavesNothingBehind() throws Exception {
        // Earlier test classes in this JVM may have left HTTP clients for the collector: start from nothing
        awaitNoConnectorResources();
        OptionalInt socketsBefore = ConnectorResources.openSockets();

        Path releaseN = ShippedArtifacts.deploymentPackage();
        InstalledDeploymentPackage installed = this.runtime.installDeploymentPackage(releaseN);
        ConnectorConfiguration.forLoopback(this.azure, this.work, DEVICE).applyTo(this.runtime, TIMEOUT);
        HubConnection before = hubConnection();
        awaitConnected(before);
        before.send(TelemetryMessage.ofJson("{\"release\":\"N\"}")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        socketsBefore.ifPresent(baseline -> assertThat(ConnectorResources.openSockets().getAsInt())
                .as("the socket count sees the connector's connections").isGreaterThan(baseline));

        Map<String, Object> hubConfiguration = this.runtime.configuration(hubPid(DEVICE)).orElseThrow();
        Map<String, Object> dpsConfiguration = this.runtime.configuration(dpsPid(DEVICE)).orElseThrow();
        Map<String, Long> bundleIds = new LinkedHashMap<>();
        installed.bundles().keySet().forEach(bsn -> bundleIds.put(bsn, bundle(bsn).getBundleId()));
        this.azure.dps().resetCounters();
        long connectsBefore = this.azure.hub().counters().connects(DEVICE);
        this.azure.hub().clearConnectionEvents();

        // Release N+1 over N, while connected
        Path releaseNext = this.work.resolve("connector-kura-deployment-next.dp");
        String nextVersion = DeploymentPackageVersions.writeNextRelease(releaseN, releaseNext);
        InstalledDeploymentPackage upgraded = this.runtime.installDeploymentPackage(releaseNext);

        assertThat(upgraded.symbolicName()).isEqualTo(installed.symbolicName());
        assertThat(upgraded.version()).isEqualTo(nextVersion).isNotEqualTo(installed.version());
        installed.bundles().forEach((bsn, version) -> {
            String expected = DeploymentPackageVersions.next(version);
            assertThat(upgraded.bundles()).containsEntry(bsn, expected);
            Bundle bundle = bundle(bsn);
            assertThat(bundle.getVersion().toString()).as("%s updated to N+1", bsn).isEqualTo(expected);
            assertThat(bundle.getBundleId()).as("%s updated in place", bsn).isEqualTo(bundleIds.get(bsn));
            assertThat(bundle.getState()).as("%s active%s", bsn, this.runtime.diagnostics())
                    .isEqualTo(Bundle.ACTIVE);
        });
        assertThat(this.runtime.configuration(hubPid(DEVICE))).as("hub connection configuration kept")
                .contains(hubConfiguration);
        assertThat(this.runtime.configuration(dpsPid(DEVICE))).as("DPS provisioner configuration kept")
                .contains(dpsConfiguration);

        HubConnection after = hubConnection();
        assertThat(after.getClass().getClassLoader()).as("the connection served by the new bundle revision")
                .isNotSameAs(before.getClass().getClassLoader());
        assertThat(before.state()).as("release N's connection closed").isEqualTo(ConnectionState.CLOSED);
        awaitConnected(after);
        after.send(TelemetryMessage.ofJson("{\"release\":\"N+1\"}")).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(this.azure.hub().counters().connects(DEVICE)).as("exactly one new connection after the upgrade")
                .isEqualTo(connectsBefore + 1);
        assertThat(this.azure.hub().counters().kicks(DEVICE)).as("connections overlapping with the same id").isZero();
        assertThat(this.azure.hub().connectedClientIds()).containsExactly(DEVICE);
        assertThat(this.azure.hub().connectionEvents(DEVICE)).extracting(ConnectionEvent::kind).as(
                "release N's connection closed before release N+1's opened")
                .containsExactly(ConnectionEvent.Kind.DISCONNECTED, ConnectionEvent.Kind.CONNECTED);
        assertThat(this.azure.dps().totalRequests()).as("DPS calls: the saved assignment is used").isZero();

        before = null;
        after = null;
        // Uninstall: the components go, the connection closes, no thread or socket of ours is left
        assertThat(this.runtime.uninstallDeploymentPackage(upgraded.symbolicName())).isTrue();
        this.runtime.awaitNoService(ConfigurableComponent.class, null, TIMEOUT);
        await().atMost(TIMEOUT).until(() -> this.azure.hub().connectedClientIds().isEmpty());
        awaitNoConnectorResources();
        if (socketsBefore.isPresent()) {
            // No garbage collection first: closing must release the sockets (issue 11, item 6).
            await("open sockets back to " + socketsBefore.getAsInt()).atMost(TIMEOUT).until(
                    () -> ConnectorResources.openSockets().getAsInt(), sockets -> sockets <= socketsBefore.getAsInt());
        }
        assertThat(this.runtime.configuration(hubPid(DEVICE))).as("Kura keeps configurations after an uninstall")
                .isPresent();
    }

    private HubConnection hubConnection() {
        return this.runtime.awaitService(HubConnection.class, "(kura.service.pid=" + hubPid(DEVICE) + ")", TIMEOUT);
    }

    private Bundle bundle(String symbolicName) {
        return this.runtime.bundle(symbolicName).orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    private static void awaitConnected(HubConnection connection) {
        await().atMost(TIMEOUT).until(connection::status, s -> s.state() == ConnectionState.CONNECTED);
    }

    private static void awaitNoConnectorResources() {
        await("no thread of the connector").atMost(TIMEOUT).until(ConnectorResources::threads, List::isEmpty);
    }
}
