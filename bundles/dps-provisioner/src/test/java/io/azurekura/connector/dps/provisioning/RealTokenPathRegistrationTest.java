package io.azurekura.connector.dps.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.cache.internal.ExecutorTaskScheduler;
import io.azurekura.connector.cache.internal.RenewalPolicy;
import io.azurekura.connector.cache.internal.RenewingTokenCache;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.dps.store.AssignmentStore;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.GlobalEndpoint;
import io.azurekura.connector.sts.internal.AuthMode;
import io.azurekura.connector.sts.internal.HttpStsClient;
import io.azurekura.connector.sts.internal.ResponseFormat;
import io.azurekura.connector.sts.internal.StsSettings;
import io.azurekura.connector.sts.internal.TokenValidator;
import io.azurekura.connector.sts.internal.UrlTemplate;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/**
 * Register, poll, assigned through the real token path: reference token server over HTTPS, the STS client, the
 * token cache, the provisioner, and the DPS emulator verifying every registration token it receives. The token
 * server holds the key; the provisioner never sees it.
 */
class RealTokenPathRegistrationTest {

    private static final String SCOPE = "0ne00REAL01";
    private static final String DEVICE = "gateway-7";
    private static final String HUB = "assigned-hub.azure-devices.net";

    @TempDir
    Path dir;

    private final String key = SasSigner.newKey();
    private ReferenceTokenServer sts;
    private DpsEmulator dps;
    private HttpStsClient stsClient;
    private ExecutorTaskScheduler scheduler;
    private ExecutorService fetchPool;
    private RenewingTokenCache cache;
    private DpsProvisioningService service;

    @BeforeEach
    void start() {
        this.sts = ReferenceTokenServer.start().addDpsIndividualEnrollment(SCOPE, DEVICE, this.key)
                .requireBearerToken("gateway-secret").setTokenTtl(Duration.ofMinutes(10));
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub(HUB).pollsBeforeAssigned(1).retryAfterSeconds(1)
                .start();
        this.dps.enrollIndividual(DEVICE, this.key);
        UrlTemplate template = UrlTemplate.parse(this.sts.baseUri() + "/token?sr={audience}", false);
        this.stsClient = new HttpStsClient(new StsSettings(template, null, AuthMode.BEARER,
                "gateway-secret".toCharArray(), "x-api-key", ResponseFormat.TEXT, "token", Duration.ofSeconds(2),
                Duration.ofSeconds(5), 16_384, new TokenValidator(Duration.ofSeconds(60), Duration.ofDays(1))),
                TestPki.shared().clientSslContext(), Instant::now);
        this.scheduler = new ExecutorTaskScheduler();
        this.fetchPool = Executors.newFixedThreadPool(2);
        this.cache = new RenewingTokenCache(this.stsClient,
                new RenewalPolicy(0.8, 0.05, Duration.ofMinutes(5),
                        new ExponentialBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(5),
                                () -> 0.5),
                        Duration.ofSeconds(30)),
                Clock.SYSTEM, this.scheduler, this.fetchPool, () -> 0.5);
    }

    @AfterEach
    void stop() {
        if (this.service != null) {
            this.service.close();
        }
        this.cache.close();
        this.scheduler.close();
        this.fetchPool.shutdownNow();
        this.stsClient.close();
        this.dps.close();
        this.sts.close();
    }

    @Test
    void registersThroughTheTokenServerAndCacheAndIsAssigned() throws Exception {
        this.service = new DpsProvisioningService(
                ProvisioningSettings.builder(SCOPE, DEVICE).overallTimeout(Duration.ofSeconds(60))
                        .retry(Duration.ofMinutes(10), Duration.ofMinutes(30)).build(),
                this.cache, new DpsRegistrationClient(GlobalEndpoint.parse("127.0.0.1:" + this.dps.port(), false),
                        "2021-06-01", TestPki.shared().clientSslContext(), Duration.ofSeconds(5), 65_536),
                new AssignmentStore(this.dir.resolve("assignment.json")), Clock.SYSTEM, Sleeper.SYSTEM, () -> 0.5);

        this.service.start();

        assertThat(this.service.awaitAssignment(Duration.ofSeconds(30))).isTrue();
        Assignment assignment = this.service.assignment().orElseThrow();
        assertThat(assignment.assignedHub()).isEqualTo(HUB);
        assertThat(assignment.deviceId()).isEqualTo(DEVICE);
        assertThat(this.service.status().state()).isEqualTo(ProvisioningState.ASSIGNED);
        // the registration token came from the token server, once, and DPS accepted it on every call
        assertThat(this.sts.requestCount(SCOPE + "/registrations/" + DEVICE)).isEqualTo(1);
        assertThat(this.dps.totalRequests()).isGreaterThanOrEqualTo(2);
        assertThat(this.dps.pollLimitViolations()).isZero();
        assertThat(java.nio.file.Files.readString(this.dir.resolve("assignment.json"))).contains(HUB)
                .doesNotContain("sig=").doesNotContain(this.key);
    }
}
