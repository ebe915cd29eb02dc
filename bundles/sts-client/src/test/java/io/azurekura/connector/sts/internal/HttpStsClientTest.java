package io.azurekura.connector.sts.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;
import io.azurekura.connector.testsupport.sts.Fault;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/** The STS client against the reference token server over real HTTPS (trusting the test CA only). */
class HttpStsClientTest {

    private static final String HUB = "myhub.azure-devices.net";
    private static final String KEY = SasSigner.newKey();
    private static final TokenScope DEV1 = TokenScope.device(HUB, "dev1");
    private static ReferenceTokenServer server;
    private HttpStsClient client;

    @BeforeAll
    static void startServer() {
        server = ReferenceTokenServer.start().addDevice(HUB, "dev1", KEY).addModule(HUB, "dev1", "mod1", KEY)
                .addDpsIndividualEnrollment("0ne00000A1B", "dev1", KEY);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void reset() {
        if (this.client != null) {
            this.client.close();
        }
        server.clearFaults();
        server.requireBearerToken(null);
        server.requireClientCertificate(false);
    }

    private HttpStsClient client(AuthMode auth, String secret, SSLContext tls) {
        StsSettings settings = new StsSettings(
                UrlTemplate.parse(server.baseUri() + "/api/token?sr={audience}", false), null, auth,
                secret == null ? null : secret.toCharArray(), "x-api-key", ResponseFormat.TEXT, "token",
                Duration.ofSeconds(2), Duration.ofSeconds(2), 16_384,
                new TokenValidator(Duration.ofSeconds(60), Duration.ofDays(7)));
        this.client = new HttpStsClient(settings, tls, Instant::now);
        return this.client;
    }

    private HttpStsClient client() {
        return client(AuthMode.NONE, null, TestPki.shared().clientSslContext());
    }

    @Test
    void fetchesValidatedTokensForDevicesModulesAndDpsRegistrations() throws Exception {
        SasToken device = client().fetch(DEV1);
        assertThat(SasVerifier.verify(new String(device.toCharArray()), HUB + "/devices/dev1", KEY,
                Instant.now().getEpochSecond())).isEqualTo(SasVerifier.Verdict.OK);
        assertThat(this.client.fetch(TokenScope.module(HUB, "dev1", "mod1")).resource()).contains("modules");
        SasToken dps = this.client.fetch(TokenScope.dpsRegistration("0ne00000A1B", "dev1"));
        assertThat(dps.keyName()).isPresent();
        assertThat(server.requestCount(HUB + "/devices/dev1")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void authenticatesWithABearerToken() throws Exception {
        server.requireBearerToken("s3cret");
        assertThat(client(AuthMode.BEARER, "s3cret", TestPki.shared().clientSslContext()).fetch(DEV1)).isNotNull();
        this.client.close();
        assertFailure(client(AuthMode.BEARER, "wrong", TestPki.shared().clientSslContext()), FetchFailure.HTTP_STATUS);
    }

    @Test
    void authenticatesWithAClientCertificate() throws Exception {
        server.requireClientCertificate(true);
        assertThat(client(AuthMode.CLIENT_CERTIFICATE, null, TestPki.shared().mutualTlsClientSslContext())
                .fetch(DEV1)).isNotNull();
        this.client.close();
        HttpStsClient withoutCertificate = client();
        assertThatThrownBy(() -> withoutCertificate.fetch(DEV1)).isInstanceOf(TokenFetchException.class)
                .satisfies(e -> assertThat(((TokenFetchException) e).failure()).isIn(FetchFailure.TLS,
                        FetchFailure.HTTP_STATUS, FetchFailure.UNREACHABLE));
    }

    @Test
    void anUntrustedServerCertificateIsATlsFailure() {
        assertFailure(client(AuthMode.NONE, null, TestPki.fresh().clientSslContext()), FetchFailure.TLS);
    }

    @Test
    void everyInjectedFaultIsClassified() {
        HttpStsClient c = client();
        expect(c, Fault.status(503, 7), FetchFailure.HTTP_STATUS);
        expect(c, Fault.emptyBody(), FetchFailure.MALFORMED);
        expect(c, Fault.htmlBody(), FetchFailure.MALFORMED);
        expect(c, Fault.oversizedBody(10 * 1024 * 1024), FetchFailure.RESPONSE_TOO_LARGE);
        expect(c, Fault.garbledBody(), FetchFailure.MALFORMED);
        expect(c, Fault.wrongAudience(), FetchFailure.WRONG_AUDIENCE);
        expect(c, Fault.expiredToken(), FetchFailure.EXPIRED);
        // The JDK client transparently retries an idempotent GET once after a dropped connection
        server.injectFault(Fault.dropConnection(), 2);
        assertFailure(c, FetchFailure.UNREACHABLE);
    }

    @Test
    void aSlowServerIsATimeout() {
        server.injectFault(Fault.latency(Duration.ofSeconds(6)));
        assertFailure(client(), FetchFailure.TIMEOUT);
    }

    @Test
    void retryAfterIsReported() {
        server.injectFault(Fault.status(429, 42), 1);
        assertThatThrownBy(() -> client().fetch(DEV1)).isInstanceOf(TokenFetchException.class).satisfies(e -> {
            TokenFetchException f = (TokenFetchException) e;
            assertThat(f.httpStatus()).hasValue(429);
            assertThat(f.retryAfter()).hasValue(Duration.ofSeconds(42));
        });
    }

    @Test
    void anUnreachableServerIsClassified() {
        StsSettings settings = new StsSettings(UrlTemplate.parse("https://127.0.0.1:1/t?sr={audience}", false), null,
                AuthMode.NONE, null, "x", ResponseFormat.TEXT, "token", Duration.ofSeconds(1), Duration.ofSeconds(1),
                1024, new TokenValidator(Duration.ZERO, Duration.ofDays(1)));
        this.client = new HttpStsClient(settings, TestPki.shared().clientSslContext(), Instant::now);
        assertFailure(this.client, FetchFailure.UNREACHABLE);
    }

    private void expect(HttpStsClient c, Fault fault, FetchFailure expected) {
        server.injectFault(fault, 1);
        assertFailure(c, expected);
    }

    private static void assertFailure(HttpStsClient c, FetchFailure expected) {
        assertThatThrownBy(() -> c.fetch(DEV1)).isInstanceOf(TokenFetchException.class)
                .satisfies(e -> assertThat(((TokenFetchException) e).failure()).as(e.getMessage()).isEqualTo(expected))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sig="));
    }
}
