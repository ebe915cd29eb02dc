package io.azurekura.connector.testsupport.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

class ReferenceTokenServerAuthTest {

    private static final String HUB = "myhub.azure-devices.net";
    private static final String SR = HUB + "/devices/dev1";

    private final String deviceKey = SasSigner.newKey();
    private ReferenceTokenServer server;

    @BeforeEach
    void start() {
        this.server = ReferenceTokenServer.start().addDevice(HUB, "dev1", this.deviceKey);
    }

    @AfterEach
    void stop() {
        this.server.close();
    }

    private void assertIssued(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(SasVerifier.verify(response.body(), SR, this.deviceKey, Instant.now().getEpochSecond()))
                .isEqualTo(SasVerifier.Verdict.OK);
    }

    private static void assertUnauthorized(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("\"error\":\"unauthorized\"").doesNotContain("SharedAccessSignature");
    }

    @Test
    void noCredentialsAreNeededUnlessConfigured() {
        assertIssued(TokenServerClient.plain(this.server).get(SR));
    }

    @Test
    void bearerTokenIsRequiredOnceConfigured() {
        this.server.requireBearerToken("s3cret-bearer");
        TokenServerClient client = TokenServerClient.plain(this.server);

        HttpResponse<String> missing = client.get(SR);
        assertUnauthorized(missing);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertUnauthorized(client.get(SR, Map.of("Authorization", "Bearer wrong")));
        assertUnauthorized(client.get(SR, Map.of("Authorization", "Basic s3cret-bearer")));
        assertUnauthorized(client.get(SR, Map.of("Authorization", "Bearer S3CRET-BEARER")));

        assertIssued(client.get(SR, Map.of("Authorization", "Bearer s3cret-bearer")));
        assertIssued(client.get(SR, Map.of("Authorization", "bearer s3cret-bearer")));
    }

    @Test
    void bearerRequirementCanBeLifted() {
        this.server.requireBearerToken("s3cret-bearer");
        TokenServerClient client = TokenServerClient.plain(this.server);
        assertUnauthorized(client.get(SR));

        this.server.requireBearerToken(null);

        assertIssued(client.get(SR));
    }

    @Test
    void apiKeyHeaderIsRequiredOnceConfigured() {
        this.server.requireApiKey("X-Api-Key", "key-123");
        TokenServerClient client = TokenServerClient.plain(this.server);

        assertUnauthorized(client.get(SR));
        assertUnauthorized(client.get(SR, Map.of("X-Api-Key", "key-124")));
        assertUnauthorized(client.get(SR, Map.of("X-Other-Key", "key-123")));

        assertIssued(client.get(SR, Map.of("X-Api-Key", "key-123")));
        assertIssued(client.get(SR, Map.of("x-api-key", "key-123")));
    }

    @Test
    void bearerAndApiKeyTogetherNeedBoth() {
        this.server.requireBearerToken("b").requireApiKey("x-api-key", "k");
        TokenServerClient client = TokenServerClient.plain(this.server);

        assertUnauthorized(client.get(SR, Map.of("Authorization", "Bearer b")));
        assertUnauthorized(client.get(SR, Map.of("x-api-key", "k")));
        assertIssued(client.get(SR, Map.of("Authorization", "Bearer b", "x-api-key", "k")));
    }

    @Test
    void clientCertificateFromTheTestCaIsAccepted() {
        this.server.requireClientCertificate(true);

        assertIssued(TokenServerClient.mutualTls(this.server).get(SR));
    }

    @Test
    void missingClientCertificateGets401() {
        this.server.requireClientCertificate(true);

        assertUnauthorized(TokenServerClient.plain(this.server).get(SR));
    }

    @Test
    void clientCertificateFromAnotherCaFailsTheHandshake() {
        this.server.requireClientCertificate(true);
        TestPki stranger = TestPki.fresh();
        // Trusts our server, but presents a client certificate our CA never signed.
        TokenServerClient client = TokenServerClient.with(
                TestPki.sslContext(stranger.clientKeyStore(), TestPki.shared().trustStore()), this.server);

        assertThatThrownBy(() -> client.getOrThrow(SR, Duration.ofSeconds(10))).isInstanceOf(IOException.class);
        assertThat(this.server.totalRequests()).as("no request got through").isZero();
    }

    @Test
    void clientCertificateRequirementIsEnforcedPerRequestOnPooledConnections() {
        TokenServerClient client = TokenServerClient.plain(this.server);
        assertIssued(client.get(SR));

        this.server.requireClientCertificate(true);
        assertUnauthorized(client.get(SR));

        this.server.requireClientCertificate(false);
        assertIssued(client.get(SR));
    }

    @Test
    void serverPresentsTheTestPkiCertificateForLocalhost() throws Exception {
        HttpResponse<String> response = TokenServerClient.plain(this.server).get(SR);

        assertThat(response.sslSession()).hasValueSatisfying(session -> {
            try {
                assertThat(session.getPeerCertificates()[0]).isEqualTo(TestPki.shared().serverCertificate());
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aClientThatDoesNotTrustTheTestCaCannotConnect() {
        TokenServerClient client = TokenServerClient.with(TestPki.fresh().clientSslContext(), this.server);

        assertThatThrownBy(() -> client.getOrThrow(SR, Duration.ofSeconds(10))).isInstanceOf(IOException.class);
    }
}
