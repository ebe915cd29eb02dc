package io.azurekura.connector.dps.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.dps.store.AssignmentStore;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.GlobalEndpoint;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.dps.DpsEndpoint;
import io.azurekura.connector.testsupport.dps.DpsFault;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * Every log line of a run that registers, has its token refused and renewed, is throttled, and finally gets an
 * error whose text echoes a token, at the finest level, from every logger in the JVM (ours, the emulator's, the
 * JDK's, Netty's): none may carry a token or a signature.
 */
class DpsProvisionerLoggingTest {

    private static final Pattern UNREDACTED_SIGNATURE = Pattern.compile("(?i)sig=(?!<redacted>)[^&\\s\"',;]+");

    @TempDir
    Path dir;

    private final VirtualTime time = new VirtualTime(Instant.now());
    private final String key = SasSigner.newKey();
    private final List<DpsProvisioningService> services = new ArrayList<>();
    private DpsEmulator dps;
    private CapturedLogs logs;

    @BeforeEach
    void start() {
        this.logs = new CapturedLogs();
        this.dps = DpsEmulator.builder().idScope("0ne00LOG001").clock(this.time.asJavaClock()).start();
        this.dps.enrollIndividual("logged-1", this.key);
    }

    @AfterEach
    void stop() {
        this.services.forEach(DpsProvisioningService::close);
        this.dps.close();
        this.logs.close();
    }

    private ProvisioningStatus run(FakeTokenCache cache, String file) {
        DpsRegistrationClient client = new DpsRegistrationClient(
                GlobalEndpoint.parse("127.0.0.1:" + this.dps.port(), false), "2021-06-01",
                TestPki.shared().clientSslContext(), Duration.ofSeconds(5), 65_536);
        DpsProvisioningService service = new DpsProvisioningService(
                ProvisioningSettings.builder("0ne00LOG001", "logged-1").overallTimeout(Duration.ofSeconds(60))
                        .retry(Duration.ofMinutes(10), Duration.ofMinutes(30)).build(),
                cache, client, new AssignmentStore(this.dir.resolve(file)), this.time, this.time, () -> 0.5);
        this.services.add(service);
        service.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> service.status().state() == ProvisioningState.ASSIGNED
                || service.status().state() == ProvisioningState.FAILED);
        return service.status();
    }

    @Test
    void noTokenOrSignatureInAnyLogLine() {
        FakeTokenCache cache = new FakeTokenCache(this.time::now, SasSigner.newKey(), this.key);
        this.dps.inject(DpsFault.throttle(DpsEndpoint.OPERATION_STATUS, 2));
        assertThat(run(cache, "a.json").state()).isEqualTo(ProvisioningState.ASSIGNED);

        // A server that echoes the token back in its error text must not get it into our logs either.
        String echoed = cache.issuedTokens().get(cache.issuedTokens().size() - 1);
        this.dps.inject(DpsFault.httpError(DpsEndpoint.REGISTER, 400, 400004, "Bad header: " + echoed));
        FakeTokenCache second = new FakeTokenCache(this.time::now, this.key);
        ProvisioningStatus failed = run(second, "b.json");
        assertThat(failed.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(failed.lastError().orElseThrow()).contains("Bad header").doesNotContain(signature(echoed));

        List<String> tokens = new ArrayList<>(cache.issuedTokens());
        tokens.addAll(second.issuedTokens());
        assertThat(tokens).hasSizeGreaterThanOrEqualTo(3);
        List<String> lines = this.logs.lines();
        assertThat(lines).as("the run did log").anyMatch(line -> line.contains("DPS assigned"))
                .anyMatch(line -> line.contains("HTTP 401") && line.contains("new registration token"))
                .anyMatch(line -> line.contains("HTTP 429"));
        for (String line : lines) {
            assertThat(UNREDACTED_SIGNATURE.matcher(line).find()).as(line).isFalse();
            for (String token : tokens) {
                String signature = signature(token);
                assertThat(line).doesNotContain(signature)
                        .doesNotContain(URLDecoder.decode(signature, StandardCharsets.UTF_8));
            }
        }
    }

    private static String signature(String token) {
        return SasVerifier.parse(token).signature;
    }
}
