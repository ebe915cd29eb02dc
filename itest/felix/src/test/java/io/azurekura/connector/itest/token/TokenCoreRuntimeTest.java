package io.azurekura.connector.itest.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.configuration.Password;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.itest.runtime.KuraLikeRuntime;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/**
 * The token core as a gateway runs it: the shipped STS client and token cache in the Kura-like runtime, configured
 * through ConfigAdmin as Kura's console would (encrypted bearer secret, trust store selected by kura.service.pid),
 * fetching a real token over HTTPS from the reference token server.
 */
class TokenCoreRuntimeTest {

    private static final String STS_CLIENT_PID = "io.azurekura.connector.sts.StsClient";
    private static final String TOKEN_CACHE_PID = "io.azurekura.connector.cache.TokenCache";
    private static final String TRUSTSTORE_PID = "TestTruststore";
    private static final String HUB = "localhost";
    private static final String DEVICE = "dev1";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final String deviceKey = SasSigner.newKey();
    private final String bearer = "itest-bearer-" + UUID.randomUUID();
    private ReferenceTokenServer tokenServer;
    private KuraLikeRuntime runtime;

    @BeforeEach
    void startGateway() {
        this.tokenServer = ReferenceTokenServer.start().addDevice(HUB, DEVICE, this.deviceKey)
                .requireBearerToken(this.bearer);
        this.runtime = KuraLikeRuntime.start();
        this.runtime.registerKeystore(TRUSTSTORE_PID, TestPki.shared().trustStore(), TestPki.PASSWORD);
        this.runtime.installBundles(ShippedArtifacts.bundleJars());
    }

    @AfterEach
    void stopGateway() {
        try {
            if (this.runtime != null) {
                this.runtime.close();
            }
        } finally {
            if (this.tokenServer != null) {
                this.tokenServer.close();
            }
        }
    }

    @Test
    void aTokenFromTheTokenServerIsServedByTheCacheAndNothingOfOursOutlivesTheFramework() throws Exception {
        configureStsClient(this.tokenServer.baseUri() + "/token?sr={audience}");
        this.runtime.awaitConfigured(TOKEN_CACHE_PID, this.runtime.configure(TOKEN_CACHE_PID, Map.of()), TIMEOUT);
        SasTokenCache cache = this.runtime.awaitService(SasTokenCache.class, TIMEOUT);
        TokenScope scope = TokenScope.device(HUB, DEVICE);

        String signature;
        try (ManagedToken token = cache.track(scope)) {
            assertThat(token.awaitValid(Duration.ofSeconds(10))).as("a valid token within 10 s").isTrue();
            String sas = new String(token.sasToken());
            assertThat(SasVerifier.verify(sas, scope.resourceUri(), this.deviceKey, Instant.now().getEpochSecond()))
                    .isEqualTo(SasVerifier.Verdict.OK);
            signature = SasVerifier.parse(sas).signature;
            TokenStatus status = token.status();
            assertThat(status.state()).isEqualTo(TokenState.VALID);
            assertThat(status.stsCalls()).isEqualTo(1);
            assertThat(this.tokenServer.requestCount(scope.resourceUri())).isEqualTo(1);
        }

        for (String pid : new String[] { STS_CLIENT_PID, TOKEN_CACHE_PID }) {
            ServiceReference<ConfigurableComponent> reference = this.runtime
                    .awaitServiceReference(ConfigurableComponent.class, "(kura.service.pid=" + pid + ")", TIMEOUT);
            assertThat(reference.getProperty("kura.service.pid")).isEqualTo(pid);
            // Kura's ConfigurationService keys the component's configuration by String.valueOf(service.pid)
            assertThat(reference.getProperty("service.pid"))
                    .as("service.pid of %s must be the plain PID for Kura's ConfigurationService", pid)
                    .isEqualTo(pid);
        }
        assertThat(this.runtime.log().linesContaining(this.bearer)).as("log lines with the STS bearer secret")
                .isEmpty();
        assertThat(this.runtime.log().linesContaining(signature)).as("log lines with the token signature").isEmpty();

        assertThat(KuraLikeRuntime.connectorThreads()).as("the connector's threads while running").isNotEmpty();
        this.runtime.stop();
        KuraLikeRuntime.awaitNoConnectorThreads(TIMEOUT);
    }

    @Test
    void anEmptyTokenUrlKeepsTheClientRegisteredWithAProblemAndFixingItRecoversWithoutRestart() throws Exception {
        configureStsClient("");
        // Fast retries so that the recovery shows within the test's seconds
        this.runtime.awaitConfigured(TOKEN_CACHE_PID,
                this.runtime.configure(TOKEN_CACHE_PID, Map.of("retry.initial.ms", 100, "retry.max.ms", 1000)),
                TIMEOUT);
        this.runtime.awaitServiceReference(ConfigurableComponent.class, "(kura.service.pid=" + STS_CLIENT_PID + ")",
                TIMEOUT);
        TokenSource source = this.runtime.awaitService(TokenSource.class, "(kura.service.pid=" + STS_CLIENT_PID + ")",
                TIMEOUT);
        assertThat(source.configurationProblem()).get().asString().containsIgnoringCase("url");

        SasTokenCache cache = this.runtime.awaitService(SasTokenCache.class, TIMEOUT);
        TokenScope scope = TokenScope.device(HUB, DEVICE);
        try (ManagedToken token = cache.track(scope)) {
            await().atMost(TIMEOUT).until(() -> token.status().failures() > 0);
            assertThat(token.status().state()).isEqualTo(TokenState.PENDING);
            assertThat(this.tokenServer.requestCount(scope.resourceUri())).isZero();

            configureStsClient(this.tokenServer.baseUri() + "/token?sr={audience}");

            assertThat(source.configurationProblem()).isEmpty();
            assertThat(token.awaitValid(Duration.ofSeconds(10))).as("valid after the fix, without restart").isTrue();
            assertThat(SasVerifier.verify(new String(token.sasToken()), scope.resourceUri(), this.deviceKey,
                    Instant.now().getEpochSecond())).isEqualTo(SasVerifier.Verdict.OK);
        }
    }

    /** What a user enters in Kura's console for the STS client; waits until the component has applied it. */
    private void configureStsClient(String deviceUrl) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("sts.url.device", deviceUrl);
        properties.put("sts.auth.type", "BEARER");
        properties.put("sts.auth.secret", new Password(this.bearer));
        properties.put("TruststoreKeystoreService.target", "(kura.service.pid=" + TRUSTSTORE_PID + ")");
        properties.put("token.min.remaining.seconds", 1);
        Map<String, Object> applied = this.runtime.configure(STS_CLIENT_PID, properties);
        this.runtime.awaitConfigured(STS_CLIENT_PID, applied, TIMEOUT);
    }
}
