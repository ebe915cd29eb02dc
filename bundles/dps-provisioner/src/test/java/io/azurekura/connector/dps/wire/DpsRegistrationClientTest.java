package io.azurekura.connector.dps.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.dps.DpsRequest;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/** The wire client alone: request shape, answer parsing, and classification of everything that can go wrong. */
class DpsRegistrationClientTest {

    /** More than any of these requests needs: the request timeout decides. */
    static final Duration LONG = Duration.ofMinutes(1);


    private static final String SCOPE = "0ne00WIRE01";

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : this.closeables) {
            c.close();
        }
    }

    private DpsRegistrationClient client(String endpoint, SSLContext ssl, Duration timeout, int maxBytes) {
        DpsRegistrationClient client = new DpsRegistrationClient(GlobalEndpoint.parse(endpoint, false), "2021-06-01",
                ssl, timeout, maxBytes);
        this.closeables.add(client);
        return client;
    }

    /** A plain-HTTP loopback server answering every request with this status, headers and body. */
    private String fixedServer(int status, String body, String... headers) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            for (int i = 0; i < headers.length; i += 2) {
                exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        this.closeables.add(() -> server.stop(0));
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void speaksTheRestApiTheEmulatorExpects() throws Exception {
        String key = SasSigner.newKey();
        DpsEmulator dps = DpsEmulator.builder().idScope(SCOPE).pollsBeforeAssigned(0).retryAfterSeconds(4)
                .responsePayload("{\"x\":1}").start();
        this.closeables.add(dps);
        String registrationId = "dev:1.a_b";
        dps.enrollIndividual(registrationId, key);
        // The signer takes the audience with its ids as they are (it encodes them); resourceUri() has them encoded.
        String token = SasSigner.sign(SCOPE + "/registrations/" + registrationId, key,
                System.currentTimeMillis() / 1000 + 3600, "registration", SasSigner.ResourceForm.ENCODED_LOWER_CASE);
        DpsRegistrationClient client = client("localhost:" + dps.port(), TestPki.shared().clientSslContext(),
                Duration.ofSeconds(5), 65_536);

        DpsReply registered = client.register(SCOPE, registrationId, "{\"model\":\"m\"}", token, LONG);
        assertThat(registered.httpStatus()).isEqualTo(202);
        assertThat(registered.retryAfter()).hasValue(Duration.ofSeconds(4));
        assertThat(registered.operation().status).isEqualTo("assigning");
        DpsReply assigned = client.operationStatus(SCOPE, registrationId, registered.operation().operationId, token,
                LONG);
        assertThat(assigned.httpStatus()).isEqualTo(200);
        assertThat(assigned.operation().registrationState.assignedHub).isEqualTo("emulated-hub.azure-devices.net");
        assertThat(assigned.operation().registrationState.deviceId).isEqualTo(registrationId);
        assertThat(assigned.operation().registrationState.substatus).isEqualTo("initialAssignment");
        assertThat(assigned.operation().registrationState.payload).isEqualTo("{\"x\":1}");
        assertThat(assigned.operation().registrationState.etag).isNotBlank();
        DpsReply lookedUp = client.statusLookup(SCOPE, registrationId, token, LONG);
        assertThat(lookedUp.registration().status).isEqualTo("assigned");
        assertThat(lookedUp.registration().assignedHub).isEqualTo("emulated-hub.azure-devices.net");
        DpsReply refused = client.register(SCOPE, registrationId, null, token.replace("se=", "se=1"), LONG);
        assertThat(refused.httpStatus()).isEqualTo(401);
        assertThat(refused.error().errorCode).isEqualTo(401002);
        assertThat(refused.error().trackingId).isNotBlank();

        assertThat(client.requestsSent()).isEqualTo(4);
        assertThat(dps.lastRequestPayload(registrationId)).isEqualTo("{\"model\":\"m\"}");
        DpsRequest first = dps.requestLog().get(0);
        assertThat(first.path()).isEqualTo("/" + SCOPE + "/registrations/dev%3A1.a_b/register");
        assertThat(first.apiVersion()).isEqualTo("2021-06-01");
        assertThat(first.body()).isEqualTo("{\"registrationId\":\"dev:1.a_b\",\"payload\":{\"model\":\"m\"}}");
        assertThat(dps.requestLog().get(2).method()).isEqualTo("POST");
    }

    @Test
    void readsRetryAfterAsSecondsOrHttpDate() throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
        DpsReply reply = client(fixedServer(429, "{\"errorCode\":429001,\"message\":\"slow down\"}", "Retry-After",
                date), null, Duration.ofSeconds(5), 1024).register(SCOPE, "d", null, "t", LONG);

        assertThat(reply.httpStatus()).isEqualTo(429);
        assertThat(reply.retryAfter().orElseThrow()).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31));
        assertThat(reply.error().errorCode).isEqualTo(429001);
        assertThat(reply.error().message).isEqualTo("slow down");

        DpsReply garbled = client(fixedServer(503, "<html>oops</html>", "Retry-After", "soon"), null,
                Duration.ofSeconds(5), 1024).register(SCOPE, "d", null, "t", LONG);
        assertThat(garbled.retryAfter()).isEmpty();
        assertThat(garbled.error().errorCode).isNull();
    }

    @Test
    void classifiesBadBodies() throws Exception {
        assertFailure(fixedServer(202, "{\"operationId\":\"1\",\"status\":"), ProvisioningFailure.MALFORMED_RESPONSE,
                "not valid JSON");
        assertFailure(fixedServer(200, "[\"assigned\"]"), ProvisioningFailure.MALFORMED_RESPONSE,
                "not a JSON object");
        assertFailure(fixedServer(200, "{\"operationId\":\"1\",\"status\":5}"),
                ProvisioningFailure.MALFORMED_RESPONSE, "'status' is not a string");
        assertFailure(fixedServer(200, "{\"operationId\":\"1\",\"status\":\"assigned\",\"registrationState\":7}"),
                ProvisioningFailure.MALFORMED_RESPONSE, "registrationState");
        assertFailure(fixedServer(200, "{\"status\":\"\u00ff\"}"), ProvisioningFailure.MALFORMED_RESPONSE,
                "not UTF-8");
        assertFailure(fixedServer(200, "{\"payload\":\"" + "x".repeat(5000) + "\"}"),
                ProvisioningFailure.MALFORMED_RESPONSE, "maximum size");
    }

    private void assertFailure(String endpoint, ProvisioningFailure failure, String message) {
        DpsRegistrationClient client = client(endpoint, null, Duration.ofSeconds(5), 1024);
        assertThatThrownBy(() -> client.operationStatus(SCOPE, "d", "op", "t", LONG)).isInstanceOfSatisfying(
                DpsCallException.class, e -> {
                    assertThat(e.failure()).isEqualTo(failure);
                    assertThat(e.getMessage()).contains(message);
                });
    }

    @Test
    void classifiesAnUntrustedCertificateAsTls() {
        DpsEmulator dps = DpsEmulator.builder().idScope(SCOPE).start();
        this.closeables.add(dps);
        // A client trusting another CA, and one with only the JVM's default trust (which does not know the test CA).
        for (SSLContext ssl : new SSLContext[] { TestPki.fresh().clientSslContext(), null }) {
            DpsRegistrationClient client = client("localhost:" + dps.port(), ssl, Duration.ofSeconds(5), 1024);
            assertThatThrownBy(() -> client.register(SCOPE, "d", null, "t", LONG)).isInstanceOfSatisfying(
                    DpsCallException.class, e -> assertThat(e.failure()).isEqualTo(ProvisioningFailure.TLS));
        }
        assertThat(dps.totalRequests()).isZero();
    }

    @Test
    void classifiesARefusedConnectionAsNetwork() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        DpsRegistrationClient client = client("127.0.0.1:" + port, null, Duration.ofSeconds(5), 1024);
        assertThatThrownBy(() -> client.register(SCOPE, "d", null, "t", LONG)).isInstanceOfSatisfying(
                DpsCallException.class, e -> assertThat(e.failure()).isEqualTo(ProvisioningFailure.NETWORK));
    }

    @Test
    void classifiesASilentServerAsTimeout() throws Exception {
        // The kernel completes the TCP handshake for the backlog; nobody ever answers the TLS hello.
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            DpsRegistrationClient client = client("127.0.0.1:" + silent.getLocalPort(),
                    TestPki.shared().clientSslContext(), Duration.ofMillis(300), 1024);
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.register(SCOPE, "d", null, "t", LONG)).isInstanceOfSatisfying(
                    DpsCallException.class, e -> assertThat(e.failure()).isEqualTo(ProvisioningFailure.TIMEOUT));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
    }
}
