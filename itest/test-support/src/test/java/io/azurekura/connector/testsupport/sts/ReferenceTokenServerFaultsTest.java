package io.azurekura.connector.testsupport.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

class ReferenceTokenServerFaultsTest {

    private static final String HUB = "myhub.azure-devices.net";
    private static final String SR = HUB + "/devices/dev1";

    private final String deviceKey = SasSigner.newKey();
    private ReferenceTokenServer server;
    private TokenServerClient client;

    @BeforeEach
    void start() {
        this.server = ReferenceTokenServer.start().addDevice(HUB, "dev1", this.deviceKey);
        this.client = TokenServerClient.plain(this.server);
    }

    @AfterEach
    void stop() {
        this.server.close();
    }

    private SasVerifier.Verdict verdict(String token) {
        return SasVerifier.verify(token, SR, this.deviceKey, Instant.now().getEpochSecond());
    }

    private void assertNextRequestIsServedNormally() {
        HttpResponse<String> response = this.client.get(SR);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(verdict(response.body())).isEqualTo(SasVerifier.Verdict.OK);
    }

    @Test
    void latencyHoldsTheAnswerBack() throws IOException {
        this.server.injectFault(Fault.latency(Duration.ofSeconds(30)), 1);

        assertThatThrownBy(() -> this.client.getOrThrow(SR, Duration.ofMillis(500)))
                .isInstanceOf(HttpTimeoutException.class);
        assertNextRequestIsServedNormally();
    }

    @Test
    void latencyStillAnswersAfterTheDelay() throws IOException {
        this.server.injectFault(Fault.latency(Duration.ofMillis(400)), 1);

        long started = System.nanoTime();
        HttpResponse<String> response = this.client.getOrThrow(SR, Duration.ofSeconds(10));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(verdict(response.body())).isEqualTo(SasVerifier.Verdict.OK);
    }

    @Test
    void latencyCombinesWithAnotherFault() {
        this.server.injectFault(Fault.latency(Duration.ofMillis(200)), 1).injectFault(Fault.status(502, null), 1);

        long started = System.nanoTime();
        HttpResponse<String> response = this.client.get(SR);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(response.statusCode()).isEqualTo(502);
    }

    @Test
    void statusWithRetryAfterForTheNextNRequests() {
        this.server.injectFault(Fault.status(503, 7), 2);

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = this.client.get(SR);
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
            assertThat(response.body()).doesNotContain("SharedAccessSignature");
        }
        assertNextRequestIsServedNormally();
    }

    @Test
    void statusWithoutRetryAfter() {
        this.server.injectFault(Fault.status(429, null), 1);

        HttpResponse<String> response = this.client.get(SR);

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).isEmpty();
    }

    @Test
    void foreverFaultsLastUntilCleared() {
        this.server.injectFault(Fault.status(500, null));

        for (int i = 0; i < 5; i++) {
            assertThat(this.client.get(SR).statusCode()).isEqualTo(500);
        }
        this.server.clearFaults();
        assertNextRequestIsServedNormally();
    }

    @Test
    void faultsApplyInTheOrderInjected() {
        this.server.injectFault(Fault.status(503, 1), 1).injectFault(Fault.emptyBody(), 1);

        assertThat(this.client.get(SR).statusCode()).isEqualTo(503);
        HttpResponse<String> second = this.client.get(SR);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEmpty();
        assertNextRequestIsServedNormally();
    }

    @Test
    void emptyBody() {
        this.server.injectFault(Fault.emptyBody(), 1);

        HttpResponse<String> response = this.client.get(SR);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertNextRequestIsServedNormally();
    }

    @Test
    void htmlBody() {
        this.server.injectFault(Fault.htmlBody(), 1);

        HttpResponse<String> response = this.client.get(SR);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(response.body()).startsWith("<!DOCTYPE html>").contains("<html>");
        assertNextRequestIsServedNormally();
    }

    @Test
    void oversizedBody() throws IOException {
        int tenMebibytes = 10 * 1024 * 1024;
        this.server.injectFault(Fault.oversizedBody(tenMebibytes), 1);

        HttpResponse<byte[]> response = this.client.getBytes(SR);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSize(tenMebibytes);
        assertNextRequestIsServedNormally();
    }

    @Test
    void garbledBodyIsNotUtf8() throws IOException {
        this.server.injectFault(Fault.garbledBody(), 1);

        HttpResponse<byte[]> response = this.client.getBytes(SR);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).contains("utf-8"));
        assertThatThrownBy(() -> StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(response.body()))).isInstanceOf(CharacterCodingException.class);
        assertNextRequestIsServedNormally();
    }

    @Test
    void wrongAudienceIsAWellSignedTokenForAnotherResource() {
        this.server.injectFault(Fault.wrongAudience(), 1);

        String token = this.client.get(SR).body();

        assertThat(verdict(token)).isEqualTo(SasVerifier.Verdict.WRONG_AUDIENCE);
        String otherAudience = SasVerifier.canonical(SasVerifier.parse(token).resource);
        assertThat(SasVerifier.verify(token, otherAudience, this.deviceKey, Instant.now().getEpochSecond()))
                .as("signed properly, just for the wrong audience").isEqualTo(SasVerifier.Verdict.OK);
        assertNextRequestIsServedNormally();
    }

    @Test
    void expiredTokenIsWellSignedButInThePast() {
        this.server.injectFault(Fault.expiredToken(), 1);

        String token = this.client.get(SR).body();

        // EXPIRED is only reached once audience and signature checked out.
        assertThat(verdict(token)).isEqualTo(SasVerifier.Verdict.EXPIRED);
        assertThat(SasVerifier.parse(token).expiryEpochSeconds).isLessThan(Instant.now().getEpochSecond() - 300);
        assertNextRequestIsServedNormally();
    }

    @Test
    void wrongKeyIsTheRightAudienceWithABadSignature() {
        this.server.injectFault(Fault.wrongKey(), 1);

        String token = this.client.get(SR).body();

        assertThat(verdict(token)).isEqualTo(SasVerifier.Verdict.BAD_SIGNATURE);
        assertNextRequestIsServedNormally();
    }

    @Test
    void tokenFaultsKeepTheJsonFormat() {
        this.server.setResponseFormat(ResponseFormat.JSON).injectFault(Fault.wrongKey(), 1);

        HttpResponse<String> response = this.client.get(SR);

        String token = com.google.gson.JsonParser.parseString(response.body()).getAsJsonObject().get("token")
                .getAsString();
        assertThat(verdict(token)).isEqualTo(SasVerifier.Verdict.BAD_SIGNATURE);
    }

    /** One raw HTTP/1.1 exchange on a fresh TLS connection: what the server sent before closing, as text. */
    private String rawExchange(String rawSr) throws IOException {
        javax.net.ssl.SSLSocketFactory tls = TestPki.shared().clientSslContext().getSocketFactory();
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.createSocket("localhost",
                this.server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /token?sr=" + rawSr + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void dropConnectionClosesTheSocketWithoutAnyResponseByte() throws IOException {
        this.server.injectFault(Fault.dropConnection(), 1);

        assertThat(rawExchange(SR)).isEmpty();
        assertThat(rawExchange(SR)).startsWith("HTTP/1.1 200");
        assertThat(this.server.totalRequests()).isEqualTo(2);
    }

    @Test
    void droppedConnectionsFailTheJdkClient() {
        // Forever, because the JDK client silently retries an idempotent GET once when the connection closes
        // before any response byte; a single drop would be hidden from its caller.
        this.server.injectFault(Fault.dropConnection());

        assertThatThrownBy(() -> this.client.getOrThrow(SR, Duration.ofSeconds(10)))
                .isInstanceOf(IOException.class).isNotInstanceOf(HttpTimeoutException.class);
        assertThat(this.server.totalRequests()).isGreaterThanOrEqualTo(1);

        this.server.clearFaults();
        assertNextRequestIsServedNormally();
    }

    @Test
    void unavailableServerDropsEveryRequestUntilAvailableAgain() throws IOException {
        this.server.setAvailable(false);

        assertThat(rawExchange(SR)).isEmpty();
        assertThat(rawExchange(SR)).isEmpty();
        assertThatThrownBy(() -> this.client.getOrThrow(SR, Duration.ofSeconds(10)))
                .isInstanceOf(IOException.class).isNotInstanceOf(HttpTimeoutException.class);
        assertThat(this.server.requestCount(SR)).as("the outage still counts attempts").isGreaterThanOrEqualTo(3);

        this.server.setAvailable(true);
        assertThat(rawExchange(SR)).startsWith("HTTP/1.1 200");
        assertNextRequestIsServedNormally();
    }

    @Test
    void faultsApplyBeforeAuthenticationAndIdentityLookup() {
        this.server.requireBearerToken("b").injectFault(Fault.status(503, 2), 1);

        assertThat(this.client.get(HUB + "/devices/unknown").statusCode()).isEqualTo(503);
        assertThat(this.client.get(HUB + "/devices/unknown").statusCode()).isEqualTo(401);
    }

    @Test
    void faultValuesCompareByContent() {
        assertThat(Fault.status(503, 5)).isEqualTo(Fault.status(503, 5)).isNotEqualTo(Fault.status(503, null))
                .hasSameHashCodeAs(Fault.status(503, 5));
        assertThat(Fault.latency(Duration.ofSeconds(1))).isEqualTo(Fault.latency(Duration.ofMillis(1000)));
        assertThat(Fault.wrongKey()).isNotEqualTo(Fault.wrongAudience());
        assertThat(Fault.oversizedBody(10).bodySize()).isEqualTo(10);
        assertThat(Fault.status(429, 3).toString()).contains("429").contains("3");
        assertThatThrownBy(() -> Fault.status(99, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fault.latency(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> this.server.injectFault(Fault.wrongKey(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
