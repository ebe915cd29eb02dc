package io.azurekura.connector.sts.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.sts.component.StsClientComponentAccess;
import io.azurekura.connector.testsupport.hostile.HostileInputReport;
import io.azurekura.connector.testsupport.http.ScriptedHttpsServer;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sts.Fault;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/**
 * Hostile token servers and hostile configuration against the STS client, each one input. Every case asserts the
 * classified outcome, the bound (time, bytes or requests) and that neither the exception nor any captured log line
 * holds the bearer secret, a signature or a raw line break.
 */
@ExtendWith(HostileInputReport.class)
class StsClientHostileInputTest {

    private static final Logger LOG = LoggerFactory.getLogger(StsClientHostileInputTest.class);
    private static final String HUB = "myhub.azure-devices.net";
    private static final TokenScope DEV1 = TokenScope.device(HUB, "dev1");
    private static final String KEY = SasSigner.newKey();
    static final String SECRET = "Bearer-s3cret_0123456789abcdef+/=";
    private static final String SIGNATURE = "QmFkU2lnbmF0dXJlVmFsdWVTZWNyZXQ0MjQy";
    private static final String SAS = "SharedAccessSignature sr=" + HUB + "%2Fdevices%2Fdev1&sig=" + SIGNATURE
            + "%3D&se=1900000000";
    /** connect + read timeouts of the client under test: the whole exchange is bounded by their sum. */
    private static final Duration TIMEOUT = Duration.ofMillis(1000);
    private static final long BOUND_MILLIS = 2 * TIMEOUT.toMillis() + 1500;
    private static final int MAX_BYTES = 16_384;
    private static ReferenceTokenServer reference;

    @BeforeAll
    static void start() throws Exception {
        reference = ReferenceTokenServer.start().addDevice(HUB, "dev1", KEY).requireBearerToken(SECRET);
        // The first TLS exchange of a JVM loads and initialises a lot; no case should pay for that in its bound.
        try (HttpStsClient warmUp = client(reference.baseUri(), ResponseFormat.TEXT,
                TestPki.shared().clientSslContext())) {
            warmUp.fetch(DEV1);
        }
    }

    @AfterAll
    static void stop() {
        reference.close();
    }

    // ---- helpers

    static HttpStsClient client(URI base, ResponseFormat format, SSLContext tls) {
        StsSettings settings = new StsSettings(UrlTemplate.parse(base + "/api/token?sr={audience}", false), null,
                AuthMode.BEARER, SECRET.toCharArray(), "x-api-key", format, "token", TIMEOUT, TIMEOUT, MAX_BYTES,
                new TokenValidator(Duration.ofSeconds(60), Duration.ofDays(7)));
        return new HttpStsClient(settings, tls, Instant::now);
    }

    /** Fetches once, checks classification, time bound and leaks; returns the failure for more checks. */
    private static TokenFetchException expectFailure(HttpStsClient client, FetchFailure expected) {
        try (CapturedLogs logs = new CapturedLogs()) {
            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> client.fetch(DEV1));
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(thrown).isInstanceOf(TokenFetchException.class);
            TokenFetchException failure = (TokenFetchException) thrown;
            // what the cache does with it: one WARN line with the message
            LOG.warn("Token fetch failed: {}", failure.getMessage());
            assertThat(failure.failure()).as(failure.getMessage()).isEqualTo(expected);
            assertThat(elapsedMillis).as("bounded in time").isLessThan(BOUND_MILLIS);
            assertThat(failure.getMessage()).doesNotContain("\r").doesNotContain("\n").hasSizeLessThan(600);
            assertThat(logs.leakedSecrets(SECRET, SIGNATURE)).isEmpty();
            assertNoForgedLines(logs);
            return failure;
        } finally {
            client.close();
        }
    }

    /** A record is formatted as two lines (header, "LEVEL: message"); a raw CR/LF in a message would add lines. */
    static void assertNoForgedLines(CapturedLogs logs) {
        for (String entry : logs.linesContaining("forged-line")) {
            assertThat(entry.chars().filter(c -> c == '\n').count()).as("lines of one record").isEqualTo(2);
            assertThat(entry).doesNotContain("\r");
        }
    }

    private static ScriptedHttpsServer.Script answer(String raw) {
        return (head, in, out, socket) -> ScriptedHttpsServer.write(out, raw);
    }

    private static ScriptedHttpsServer.Script answer(int status, String headers, byte[] body) {
        return (head, in, out, socket) -> {
            ScriptedHttpsServer.write(out, "HTTP/1.1 " + status + " X\r\n" + headers + "Content-Length: "
                    + body.length + "\r\n\r\n");
            out.write(body);
        };
    }

    private static ScriptedHttpsServer.Script text(int status, String body) {
        return answer(status, "Content-Type: text/plain\r\n", body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void forever(OutputStream out, byte[] chunk) throws Exception {
        while (true) {
            out.write(chunk);
        }
    }

    private static ScriptedHttpsServer.Script slow(String prefix, String rest) {
        return (head, in, out, socket) -> {
            ScriptedHttpsServer.write(out, prefix);
            for (char c : rest.toCharArray()) {
                ScriptedHttpsServer.write(out, String.valueOf(c));
                Thread.sleep(150); // the hostile server's pace, not a synchronisation
            }
        };
    }

    private static String token(String audience, long expiry) {
        return SasSigner.sign(audience, KEY, expiry, null, SasSigner.ResourceForm.PLAIN);
    }

    private static long inSeconds(long seconds) {
        return Instant.now().getEpochSecond() + seconds;
    }

    private static byte[] gzipBomb() throws Exception {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 100; i++) {
                gzip.write(zeros);
            }
        }
        return compressed.toByteArray();
    }

    // ---- hostile servers speaking (or not) HTTP over TLS

    static Stream<Arguments> hostileServers() throws Exception {
        byte[] bomb = gzipBomb();
        String crlfToken = token(HUB + "/devices/dev1", inSeconds(3600)).replace("&se=", "\r\nX: forged-line&se=");
        return Stream.of(
                Arguments.of("endless body without length", (ScriptedHttpsServer.Script) (head, in, out, s) -> {
                    ScriptedHttpsServer.write(out, "HTTP/1.1 200 OK\r\n\r\n");
                    forever(out, new byte[8192]);
                }, FetchFailure.RESPONSE_TOO_LARGE),
                Arguments.of("10 GB announced", answer("HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\nAAAA"),
                        FetchFailure.RESPONSE_TOO_LARGE),
                Arguments.of("endless chunked body", (ScriptedHttpsServer.Script) (head, in, out, s) -> {
                    ScriptedHttpsServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                    byte[] chunk = ("1000\r\n" + "A".repeat(4096) + "\r\n").getBytes();
                    forever(out, chunk);
                }, FetchFailure.RESPONSE_TOO_LARGE),
                Arguments.of("gzip bomb (100 MiB in ~100 KiB)", answer(200, "Content-Encoding: gzip\r\n",
                        Arrays.copyOf(bomb, Math.min(bomb.length, MAX_BYTES - 1))), FetchFailure.MALFORMED),
                Arguments.of("gzip bomb larger than the cap", answer(200, "Content-Encoding: gzip\r\n", bomb),
                        FetchFailure.RESPONSE_TOO_LARGE),
                Arguments.of("slowloris status line", slow("", "HTTP/1.1 200 OK\r\n\r\n"), FetchFailure.TIMEOUT),
                Arguments.of("slowloris headers", slow("HTTP/1.1 200 OK\r\n", "X-Slow: " + "a".repeat(40)),
                        FetchFailure.TIMEOUT),
                Arguments.of("slowloris body", slow("HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n", "A".repeat(300)),
                        FetchFailure.TIMEOUT),
                Arguments.of("silent after the request", (ScriptedHttpsServer.Script) (head, in, out, s) -> in.read(),
                        FetchFailure.TIMEOUT),
                Arguments.of("closes without answering", answer(""), FetchFailure.UNREACHABLE),
                Arguments.of("SSH banner instead of HTTP", answer("SSH-2.0-OpenSSH_9.6\r\n"), FetchFailure.MALFORMED),
                Arguments.of("body without status line", answer(SAS + "\r\n\r\n"), FetchFailure.MALFORMED),
                Arguments.of("header line without colon", answer("HTTP/1.1 200 OK\r\nnot a header\r\n\r\n"),
                        FetchFailure.MALFORMED),
                Arguments.of("10,000 header lines", answer("HTTP/1.1 200 OK\r\n" + "X-A: b\r\n".repeat(10_000)
                        + "\r\n"), FetchFailure.MALFORMED),
                Arguments.of("one 100 KiB header", answer("HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(100_000)
                        + "\r\n\r\n"), FetchFailure.MALFORMED),
                Arguments.of("obsolete folded header", answer("HTTP/1.1 200 OK\r\nX-A: b\r\n folded\r\n\r\n"),
                        FetchFailure.MALFORMED),
                Arguments.of("conflicting Content-Length", answer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                        + "Content-Length: 4\r\n\r\nabcd"), FetchFailure.MALFORMED),
                Arguments.of("negative Content-Length", answer("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nabc"),
                        FetchFailure.MALFORMED),
                Arguments.of("Content-Length longer than the body", answer("HTTP/1.1 200 OK\r\nContent-Length: 500"
                        + "\r\n\r\nshort"), FetchFailure.MALFORMED),
                Arguments.of("chunk size not hex", answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "zz\r\nabc\r\n0\r\n\r\n"), FetchFailure.MALFORMED),
                Arguments.of("chunk without CRLF", answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nabcdef"), FetchFailure.MALFORMED),
                Arguments.of("1,000 interim 100-continue answers", answer("HTTP/1.1 100 Continue\r\n\r\n".repeat(
                        1000)), FetchFailure.MALFORMED),
                Arguments.of("status code 0", answer("HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n"),
                        FetchFailure.MALFORMED),
                Arguments.of("redirect to plain http", answer(302, "Location: http://evil.example/steal\r\n",
                        new byte[0]), FetchFailure.HTTP_STATUS),
                Arguments.of("redirect to another https host", answer(301, "Location: https://other.example/t\r\n",
                        new byte[0]), FetchFailure.HTTP_STATUS),
                Arguments.of("307 redirect with the secret in Location", answer(307, "Location: https://x/?k="
                        + SECRET + "\r\n", new byte[0]), FetchFailure.HTTP_STATUS),
                Arguments.of("401 echoing the bearer secret", text(401, "invalid token: Bearer " + SECRET),
                        FetchFailure.HTTP_STATUS),
                Arguments.of("401 echoing the secret bare", text(401, "your key " + SECRET + " is unknown"),
                        FetchFailure.HTTP_STATUS),
                Arguments.of("403 echoing the secret URL-encoded", text(403, "denied for "
                        + java.net.URLEncoder.encode(SECRET, java.nio.charset.StandardCharsets.UTF_8)),
                        FetchFailure.HTTP_STATUS),
                Arguments.of("400 echoing a SAS token", text(400, "bad token " + SAS), FetchFailure.HTTP_STATUS),
                Arguments.of("400 echoing a URL-encoded signature", text(400, "url=https://x/?sr=a%26SIG%3D"
                        + SIGNATURE + "%253D"), FetchFailure.HTTP_STATUS),
                Arguments.of("500 body forging a log line", text(500, "oops\r\nSEVERE: forged-line\nINFO: forged-line"),
                        FetchFailure.HTTP_STATUS),
                Arguments.of("500 body of binary garbage", answer(500, "", new byte[] { (byte) 0xff, 0, 27, 10, 13 }),
                        FetchFailure.HTTP_STATUS),
                Arguments.of("token with CR/LF inside", text(200, crlfToken), FetchFailure.MALFORMED),
                Arguments.of("HTML captive portal", text(200, "<html><body>Please sign in</body></html>"),
                        FetchFailure.MALFORMED),
                Arguments.of("204 No Content", answer("HTTP/1.1 204 No Content\r\n\r\n"), FetchFailure.MALFORMED),
                Arguments.of("token for another audience", text(200, token(HUB + "/devices/other", inSeconds(3600))),
                        FetchFailure.WRONG_AUDIENCE),
                Arguments.of("token expired an hour ago", text(200, token(HUB + "/devices/dev1", inSeconds(-3600))),
                        FetchFailure.EXPIRED),
                Arguments.of("token with 10 s left (minimum 60 s)", text(200, token(HUB + "/devices/dev1",
                        inSeconds(10))), FetchFailure.EXPIRED),
                Arguments.of("token valid for 10 years", text(200, token(HUB + "/devices/dev1",
                        inSeconds(315_360_000))), FetchFailure.LIFETIME_TOO_LONG),
                Arguments.of("token with se in milliseconds", text(200, token(HUB + "/devices/dev1",
                        System.currentTimeMillis() + 3_600_000)), FetchFailure.MALFORMED),
                Arguments.of("token without sig", text(200, "SharedAccessSignature sr=" + HUB
                        + "%2Fdevices%2Fdev1&se=" + inSeconds(3600)), FetchFailure.MALFORMED),
                Arguments.of("token with se not a number", text(200, "SharedAccessSignature sr=" + HUB
                        + "%2Fdevices%2Fdev1&sig=" + SIGNATURE + "&se=soon"), FetchFailure.MALFORMED),
                Arguments.of("token with empty skn", text(200, SasSigner.sign(HUB + "/devices/dev1", KEY,
                        inSeconds(3600), "", SasSigner.ResourceForm.PLAIN)), FetchFailure.MALFORMED),
                Arguments.of("token of 10,000 characters", text(200, "SharedAccessSignature sr=" + HUB
                        + "%2Fdevices%2Fdev1&se=" + inSeconds(3600) + "&sig=" + "A".repeat(10_000)),
                        FetchFailure.MALFORMED),
                Arguments.of("token with a duplicate sr", text(200, token(HUB + "/devices/dev1", inSeconds(3600))
                        + "&sr=" + HUB + "%2Fdevices%2Fother"), FetchFailure.MALFORMED),
                Arguments.of("not a SAS token at all", text(200, "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HA"),
                        FetchFailure.MALFORMED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileServers")
    void hostileServer(String name, ScriptedHttpsServer.Script script, FetchFailure expected) {
        try (ScriptedHttpsServer server = ScriptedHttpsServer.https(script)) {
            HttpStsClient client = client(server.baseUri(), ResponseFormat.TEXT, TestPki.shared().clientSslContext());
            TokenFetchException failure = expectFailure(client, expected);
            // a GET dropped before any answer is sent once more, never more
            assertThat(server.accepted()).isBetween(1, 2);
            if (expected == FetchFailure.HTTP_STATUS) {
                assertThat(server.accepted()).isEqualTo(1);
                assertThat(failure.getMessage()).doesNotContain(SECRET).doesNotContain(SIGNATURE);
            }
        }
    }

    // ---- JSON answers

    static Stream<Arguments> hostileJson() {
        return Stream.of(
                Arguments.of("JSON nested 100,000 levels", "[".repeat(8000) + "]".repeat(8000)),
                Arguments.of("JSON field is a number", "{\"token\": 42}"),
                Arguments.of("JSON field is an object", "{\"token\": {\"sig\": \"" + SIGNATURE + "\"}}"),
                Arguments.of("JSON without the field", "{\"access_token\": \"" + SAS + "\"}"),
                Arguments.of("JSON truncated", "{\"token\": \"SharedAccessSig"),
                Arguments.of("JSON array at the top", "[\"" + SAS + "\"]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileJson")
    void hostileJsonAnswer(String name, String body) {
        try (ScriptedHttpsServer server = ScriptedHttpsServer.https(answer(200, "Content-Type: application/json\r\n",
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
            expectFailure(client(server.baseUri(), ResponseFormat.JSON, TestPki.shared().clientSslContext()),
                    FetchFailure.MALFORMED);
        }
    }

    // ---- TLS and transport

    private static Consumer<Map<String, Object>> option(String key, Object value) {
        return options -> options.put(key, value);
    }

    static Stream<Arguments> hostileTransport() {
        return Stream.of(
                Arguments.of("certificate from an unknown CA", option("pki", "fresh"),
                        FetchFailure.TLS),
                Arguments.of("host name not in the certificate (127.0.0.2)",
                        option("host", "127.0.0.2"), FetchFailure.TLS),
                Arguments.of("plain text on the https port",
                        option("plain", "HTTP/1.1 200 OK\r\n\r\n"),
                        FetchFailure.TLS),
                Arguments.of("connection closed during the handshake",
                        option("plain", ""), FetchFailure.TLS),
                Arguments.of("handshake never answered", option("plain", null),
                        FetchFailure.TIMEOUT),
                Arguments.of("JVM default trust only (test CA not trusted)",
                        option("tls", "default"), FetchFailure.TLS),
                Arguments.of("nothing listening", option("closed", true),
                        FetchFailure.UNREACHABLE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileTransport")
    void hostileTransport(String name, Consumer<Map<String, Object>> setup, FetchFailure expected) throws Exception {
        Map<String, Object> options = new java.util.HashMap<>();
        setup.accept(options);
        ScriptedHttpsServer server;
        if (options.containsKey("plain")) {
            String raw = (String) options.get("plain");
            server = ScriptedHttpsServer.plain(false, (head, in, out, s) -> {
                if (raw == null) {
                    in.read(new byte[1 << 16]);
                    in.read();
                } else {
                    ScriptedHttpsServer.write(out, raw);
                }
            });
        } else {
            TestPki pki = "fresh".equals(options.get("pki")) ? TestPki.fresh() : TestPki.shared();
            server = ScriptedHttpsServer.https(pki, java.net.InetAddress.getByName(
                    (String) options.getOrDefault("host", "127.0.0.1")), true,
                    text(200, token(HUB + "/devices/dev1", inSeconds(3600))));
        }
        try (server) {
            URI base = URI.create("https://" + options.getOrDefault("host", "localhost") + ":" + server.port());
            if (Boolean.TRUE.equals(options.get("closed"))) {
                server.close();
            }
            SSLContext tls = "default".equals(options.get("tls")) ? null : TestPki.shared().clientSslContext();
            expectFailure(client(base, ResponseFormat.TEXT, tls), expected);
        }
    }

    // ---- the reference token server misbehaving, and storms

    static Stream<Arguments> referenceFaults() {
        return Stream.of(
                Arguments.of("429 with Retry-After 5", Fault.status(429, 5), FetchFailure.HTTP_STATUS, 1),
                Arguments.of("503 with Retry-After 0", Fault.status(503, 0), FetchFailure.HTTP_STATUS, 1),
                Arguments.of("drops every connection", Fault.dropConnection(), FetchFailure.UNREACHABLE, 2),
                Arguments.of("10 MiB body", Fault.oversizedBody(10 << 20), FetchFailure.RESPONSE_TOO_LARGE, 1),
                Arguments.of("garbled UTF-8", Fault.garbledBody(), FetchFailure.MALFORMED, 1),
                Arguments.of("empty 200", Fault.emptyBody(), FetchFailure.MALFORMED, 1),
                Arguments.of("wrong audience", Fault.wrongAudience(), FetchFailure.WRONG_AUDIENCE, 1),
                Arguments.of("expired token", Fault.expiredToken(), FetchFailure.EXPIRED, 1),
                Arguments.of("latency beyond the read timeout", Fault.latency(Duration.ofSeconds(5)),
                        FetchFailure.TIMEOUT, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceFaults")
    void referenceServerFault(String name, Fault fault, FetchFailure expected, int requests) {
        reference.clearFaults();
        reference.resetCounts();
        reference.injectFault(fault);
        try {
            TokenFetchException failure = expectFailure(client(reference.baseUri(), ResponseFormat.TEXT,
                    TestPki.shared().clientSslContext()), expected);
            assertThat(reference.totalRequests()).isEqualTo(requests);
            if (fault.kind() == Fault.Kind.STATUS) {
                assertThat(failure.retryAfter()).hasValue(Duration.ofSeconds(fault.retryAfterSeconds()));
            }
        } finally {
            reference.clearFaults();
        }
    }

    static Stream<Arguments> retryAfterGarbage() {
        return Stream.of(Arguments.of("Retry-After: soon"), Arguments.of("Retry-After: -5"),
                Arguments.of("Retry-After: 99999999999999999999"), Arguments.of("Retry-After: 1e9"),
                Arguments.of("Retry-After: " + "9".repeat(200)), Arguments.of("Retry-After: Fri, 31 Feb 2026 25:61:00 GMT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("retryAfterGarbage")
    void retryAfterGarbageIsIgnored(String header) {
        try (ScriptedHttpsServer server = ScriptedHttpsServer.https(answer(503, header + "\r\n", new byte[0]))) {
            TokenFetchException failure = expectFailure(client(server.baseUri(), ResponseFormat.TEXT,
                    TestPki.shared().clientSslContext()), FetchFailure.HTTP_STATUS);
            assertThat(failure.retryAfter()).isEmpty();
        }
    }

    static Stream<Arguments> storms() {
        return Stream.of(Arguments.of("401 storm (wrong secret, 50 fetches)", 401),
                Arguments.of("429 storm (50 fetches)", 429));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("storms")
    void stormsCostOneRequestPerFetch(String name, int status) {
        reference.clearFaults();
        reference.resetCounts();
        if (status == 429) {
            reference.injectFault(Fault.status(429, 1));
        } else {
            reference.requireBearerToken("another-secret-value");
        }
        HttpStsClient client = client(reference.baseUri(), ResponseFormat.TEXT, TestPki.shared().clientSslContext());
        try (CapturedLogs logs = new CapturedLogs()) {
            for (int i = 0; i < 50; i++) {
                Throwable thrown = catchThrowable(() -> client.fetch(DEV1));
                assertThat(thrown).isInstanceOf(TokenFetchException.class);
                assertThat(((TokenFetchException) thrown).httpStatus()).hasValue(status);
                LOG.warn("{}", thrown.getMessage());
            }
            assertThat(reference.totalRequests()).isEqualTo(50);
            assertThat(client.redactor()).isNotNull();
            assertThat(logs.leakedSecrets(SECRET, "another-secret-value")).isEmpty();
        } finally {
            client.close();
            reference.clearFaults();
            reference.requireBearerToken(SECRET);
        }
    }

    // ---- hostile configuration (values that arrive through REST, snapshots or cloud requests)

    static Stream<Arguments> hostileConfiguration() {
        String url = "https://sts.example.com/api/token?sr={audience}";
        return Stream.of(
                Arguments.of("bearer secret with trailing CR/LF", Map.of("sts.url.device", url, "sts.auth.type",
                        "BEARER", "sts.auth.secret", SECRET + "\r\n"), "sts.auth.secret", true),
                Arguments.of("bearer secret with trailing LF", Map.of("sts.url.device", url, "sts.auth.type", "BEARER",
                        "sts.auth.secret", SECRET + "\n"), "sts.auth.secret", true),
                Arguments.of("API key with an inner line break", Map.of("sts.url.device", url, "sts.auth.type",
                        "API_KEY", "sts.auth.secret", SECRET + "\r\nX-Evil: forged-line"), "sts.auth.secret", true),
                Arguments.of("API key with a NUL", Map.of("sts.url.device", url, "sts.auth.type", "API_KEY",
                        "sts.auth.secret", SECRET + "\u0000"), "sts.auth.secret", true),
                Arguments.of("bearer secret with non-ASCII", Map.of("sts.url.device", url, "sts.auth.type", "BEARER",
                        "sts.auth.secret", SECRET + "\u00e9"), "sts.auth.secret", true),
                Arguments.of("secret of only white space", Map.of("sts.url.device", url, "sts.auth.type", "BEARER",
                        "sts.auth.secret", "   "), "sts.auth.secret", true),
                Arguments.of("API key header name with CR/LF", Map.of("sts.url.device", url, "sts.auth.type",
                        "API_KEY", "sts.auth.secret", SECRET, "sts.auth.header", "x-api-key\r\nX-Evil: forged-line"),
                        "sts.auth.header", true),
                Arguments.of("URL with CR/LF", Map.of("sts.url.device", url + "\r\nforged-line"), "URL", true),
                Arguments.of("plain http to a remote host", Map.of("sts.url.device", "http://sts.example.com/t"),
                        "http", true),
                Arguments.of("URL with an unknown placeholder", Map.of("sts.url.device", url + "&x={secret}"),
                        "placeholder", true),
                Arguments.of("timeout that is not a number, with CR/LF", Map.of("sts.url.device", url,
                        "sts.connect.timeout.ms", "5000\r\nSEVERE: forged-line"), "sts.connect.timeout.ms", false),
                Arguments.of("timeout out of range", Map.of("sts.url.device", url, "sts.read.timeout.ms", -1),
                        "sts.read.timeout.ms", false),
                Arguments.of("auth type of 5,000 characters", Map.of("sts.url.device", url, "sts.auth.type",
                        "B".repeat(5000)), "sts.auth.type", false),
                Arguments.of("response format unknown", Map.of("sts.url.device", url, "sts.response.format", "XML"),
                        "sts.response.format", false),
                Arguments.of("max bytes as a string array", Map.of("sts.url.device", url, "sts.response.max.bytes",
                        new String[] { "a", "b" }), "sts.response.max.bytes", false),
                Arguments.of("insecure flag not a boolean", Map.of("sts.url.device", url, "sts.allow.insecure.http",
                        "yes\u001b[31m"), "sts.allow.insecure.http", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileConfiguration")
    void hostileConfiguration(String name, Map<String, Object> properties, String named, boolean blocking) {
        try (CapturedLogs logs = new CapturedLogs()) {
            StsClientComponentAccess component = StsClientComponentAccess.activate(properties);
            try {
                assertThat(component.configurationProblems()).isNotEmpty()
                        .anySatisfy(problem -> assertThat(problem).contains(named));
                for (String problem : component.configurationProblems()) {
                    assertThat(problem).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u001b")
                            .hasSizeLessThan(400);
                    LOG.warn("status shows: {}", problem);
                }
                Throwable thrown = catchThrowable(() -> component.fetch(DEV1));
                if (blocking) {
                    assertThat(thrown).isInstanceOf(TokenFetchException.class);
                    assertThat(((TokenFetchException) thrown).failure()).isEqualTo(FetchFailure.NOT_CONFIGURED);
                    assertThat(component.configurationProblem()).isPresent();
                } else {
                    assertThat(component.configurationProblem()).isEmpty();
                }
                assertThat(logs.leakedSecrets(SECRET)).isEmpty();
                assertNoForgedLines(logs);
            } finally {
                component.deactivate();
            }
        }
    }
}
