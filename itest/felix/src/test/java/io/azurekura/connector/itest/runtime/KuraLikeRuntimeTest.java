package io.azurekura.connector.itest.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.configuration.Password;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.token.TokenScope;

/**
 * The harness itself: the shipped bundles resolve and start against what Kura provides, the .dp installs through
 * DeploymentAdmin, configurations are seeded and written as Kura does, and nothing of ours outlives the framework.
 */
class KuraLikeRuntimeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String STS_CLIENT_PID = "io.azurekura.connector.sts.StsClient";
    private static final String TOKEN_CACHE_PID = "io.azurekura.connector.cache.TokenCache";

    private KuraLikeRuntime runtime;

    @AfterEach
    void stopRuntime() {
        if (this.runtime != null) {
            this.runtime.close();
        }
    }

    @Test
    void shippedBundlesStartAndShareKuraAndApiPackagesThroughTheSystemBundle() {
        this.runtime = KuraLikeRuntime.start();
        List<Bundle> bundles = this.runtime.installBundles(ShippedArtifacts.bundleJars());

        assertThat(bundles).isNotEmpty().allSatisfy(b -> assertThat(b.getState())
                .as("%s is ACTIVE%s", b.getSymbolicName(), this.runtime.diagnostics()).isEqualTo(Bundle.ACTIVE));
        for (Bundle bundle : bundles) {
            for (BundleWire wire : bundle.adapt(BundleWiring.class).getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                String pkg = (String) wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                if (pkg.startsWith("org.eclipse.kura") || pkg.startsWith("io.azurekura.connector.api")) {
                    assertThat(wire.getProvider().getBundle().getBundleId())
                            .as("%s imports %s from the system bundle, like the tests", bundle.getSymbolicName(), pkg)
                            .isZero();
                }
            }
        }
    }

    @Test
    void kuraSeedsSingletonDefaultsSoRequireComponentsRegisterAsConfigurable() {
        this.runtime = KuraLikeRuntime.start();
        this.runtime.installBundles(ShippedArtifacts.bundleJars());

        // Kura writes the metatype defaults with kura.service.pid as soon as the bundle is ACTIVE
        assertThat(this.runtime.awaitServiceReference(ConfigurableComponent.class,
                "(kura.service.pid=" + TOKEN_CACHE_PID + ")", TIMEOUT).getProperty("service.pid"))
                .isEqualTo(TOKEN_CACHE_PID);
        assertThat(this.runtime.configuration(TOKEN_CACHE_PID)).get().satisfies(config -> {
            assertThat(config).containsEntry("kura.service.pid", TOKEN_CACHE_PID);
            assertThat(config.get("renewal.fraction")).isEqualTo(0.8d);
            assertThat(config.get("retry.max.ms")).isEqualTo(60000);
        });
        // Empty defaults give no property (sts.url.device defaults to "")
        assertThat(this.runtime.configuration(STS_CLIENT_PID)).get()
                .satisfies(config -> assertThat(config).doesNotContainKey("sts.url.device"));
    }

    @Test
    void passwordsAreStoredAsCiphertextAndMergedOverRunningValues() throws Exception {
        this.runtime = KuraLikeRuntime.start();
        this.runtime.installBundles(ShippedArtifacts.bundleJars());

        this.runtime.configure(STS_CLIENT_PID, Map.of("sts.auth.type", "BEARER"));
        Map<String, Object> stored = this.runtime.configure(STS_CLIENT_PID,
                Map.of("sts.auth.secret", new Password("s3cret-bearer")));

        assertThat(stored).containsEntry("sts.auth.type", "BEARER").containsEntry("kura.service.pid", STS_CLIENT_PID);
        assertThat(stored.get("sts.auth.secret")).isInstanceOf(String.class).isNotEqualTo("s3cret-bearer");
        assertThat(new String(this.runtime.crypto().decryptAes(((String) stored.get("sts.auth.secret")).toCharArray())))
                .isEqualTo("s3cret-bearer");
        this.runtime.awaitConfigured(STS_CLIENT_PID, stored, TIMEOUT);
    }

    @Test
    void valuesTheMetatypeRejectsAreRefusedAsKuraRefusesThem() {
        this.runtime = KuraLikeRuntime.start();
        this.runtime.installBundles(ShippedArtifacts.bundleJars());

        // sts.max.concurrency has max="64" in the token cache's metatype
        assertThatThrownBy(() -> this.runtime.configure(TOKEN_CACHE_PID, Map.of("sts.max.concurrency", 65)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sts.max.concurrency");
        assertThat(this.runtime.configuration(TOKEN_CACHE_PID)).get()
                .satisfies(config -> assertThat(config).doesNotContainEntry("sts.max.concurrency", 65));
    }

    @Test
    void deploymentPackageInstallsExactlyTheShippedBundlesThroughDeploymentAdmin() {
        this.runtime = KuraLikeRuntime.start();

        InstalledDeploymentPackage dp = this.runtime.installDeploymentPackage(ShippedArtifacts.deploymentPackage());

        Map<String, String> shipped = ShippedArtifacts.bundleJars().stream().collect(Collectors.toMap(
                ShippedArtifacts::symbolicName, jar -> ShippedArtifacts.mainAttribute(jar, "Bundle-Version")));
        assertThat(dp.symbolicName()).isEqualTo("connector-kura-deployment");
        assertThat(dp.bundles()).isEqualTo(shipped);
        for (String symbolicName : shipped.keySet()) {
            assertThat(this.runtime.bundle(symbolicName)).get().extracting(Bundle::getState)
                    .as("%s started by DeploymentAdmin%s", symbolicName, this.runtime.diagnostics())
                    .isEqualTo(Bundle.ACTIVE);
        }
        this.runtime.awaitServiceReference(ConfigurableComponent.class, "(kura.service.pid=" + TOKEN_CACHE_PID + ")",
                TIMEOUT);

        assertThat(this.runtime.uninstallDeploymentPackage(dp.symbolicName())).isTrue();

        assertThat(shipped.keySet()).allSatisfy(bsn -> assertThat(this.runtime.bundle(bsn)).isEmpty());
        this.runtime.awaitNoService(ConfigurableComponent.class, null, TIMEOUT);
        KuraLikeRuntime.awaitNoConnectorThreads(TIMEOUT);
    }

    @Test
    void restartKeepsBundlesAndConfigurationAndReRegistersKuraServices() {
        this.runtime = KuraLikeRuntime.start();
        this.runtime.installBundles(ShippedArtifacts.bundleJars());
        Map<String, Object> stored = this.runtime.configure(TOKEN_CACHE_PID, Map.of("retry.max.ms", 5000));
        this.runtime.awaitConfigured(TOKEN_CACHE_PID, stored, TIMEOUT);

        this.runtime.restart();

        assertThat(this.runtime.configuration(TOKEN_CACHE_PID)).get()
                .satisfies(config -> assertThat(config).containsEntry("retry.max.ms", 5000));
        this.runtime.awaitConfigured(TOKEN_CACHE_PID, stored, TIMEOUT);
    }

    @Test
    void noConnectorThreadOutlivesTheFramework() {
        this.runtime = KuraLikeRuntime.start();
        this.runtime.installBundles(ShippedArtifacts.bundleJars());
        SasTokenCache cache = this.runtime.awaitService(SasTokenCache.class, TIMEOUT);
        // No token server is configured: the fetch fails and a retry is scheduled, so the pools have threads
        cache.track(TokenScope.device("localhost", "thread-check"));
        await().atMost(TIMEOUT).until(() -> !KuraLikeRuntime.connectorThreads().isEmpty());

        this.runtime.stop();

        KuraLikeRuntime.awaitNoConnectorThreads(TIMEOUT);
    }
}
