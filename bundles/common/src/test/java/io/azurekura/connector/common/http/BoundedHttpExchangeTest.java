package io.azurekura.connector.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.testsupport.http.ScriptedHttpsServer;
import io.azurekura.connector.testsupport.pki.TestPki;

/** The exchange's guarantees that the STS and DPS clients build on. */
class BoundedHttpExchangeTest {

    private static final Duration OVERALL = Duration.ofSeconds(3);

    private static BoundedHttpExchange exchange() {
        return new BoundedHttpExchange("test-http", TestPki.shared().clientSslContext(), Duration.ofSeconds(2));
    }

    private static HttpRequest get(URI base) {
        return HttpRequest.newBuilder(base.resolve("/t?x=1")).GET().header("Accept", "text/plain").build();
    }

    @Test
    void sendsOneRequestPerConnectionWithConnectionClose() throws Exception {
        try (ScriptedHttpsServer server = ScriptedHttpsServer.https((head, in, out, s) -> ScriptedHttpsServer
                .write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nRetry-After: 7\r\n\r\nok"));
                BoundedHttpExchange http = exchange()) {
            HttpResponse<byte[]> response = http.send(get(server.baseUri()), 1024, OVERALL);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(new String(response.body())).isEqualTo("ok");
            assertThat(response.headers().firstValue("retry-after")).hasValue("7");
            assertThat(server.requestHeads()).singleElement().satisfies(head -> assertThat(head)
                    .startsWith("GET /t?x=1 HTTP/1.1\r\n").contains("Connection: close\r\n")
                    .contains("Host: localhost:" + server.port()).doesNotContain("Accept-Encoding"));
            assertThat(http.openConnections()).isZero();
        }
    }

    @Test
    void aDroppedGetIsSentOnceMoreAndAPutNever() throws Exception {
        try (ScriptedHttpsServer server = ScriptedHttpsServer.https((head, in, out, s) -> {
            // drop without answering
        }); BoundedHttpExchange http = exchange()) {
            Throwable get = catchThrowable(() -> http.send(get(server.baseUri()), 1024, OVERALL));
            assertThat(get).isInstanceOf(HttpExchangeException.class);
            assertThat(((HttpExchangeException) get).kind()).isEqualTo(HttpExchangeException.Kind.UNREACHABLE);
            assertThat(server.accepted()).isEqualTo(2);

            HttpRequest put = HttpRequest.newBuilder(server.baseUri().resolve("/r"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"a\":1}")).build();
            Throwable thrown = catchThrowable(() -> http.send(put, 1024, OVERALL));
            assertThat(thrown).isInstanceOf(HttpExchangeException.class);
            assertThat(server.accepted()).isEqualTo(3);
            assertThat(server.requestHeads().get(2)).startsWith("PUT /r HTTP/1.1").contains("Content-Length: 7");
        }
    }

    @Test
    void closeAbortsAnExchangeInProgressAtOnceAndLeavesNothingOpen() throws Exception {
        CountDownLatch requestArrived = new CountDownLatch(1);
        try (ScriptedHttpsServer server = ScriptedHttpsServer.https((head, in, out, s) -> {
            requestArrived.countDown();
            in.read(); // never answers
        })) {
            BoundedHttpExchange http = exchange();
            CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(
                    () -> catchThrowable(() -> http.send(get(server.baseUri()), 1024, Duration.ofSeconds(60))));
            assertThat(requestArrived.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(http.openConnections()).isEqualTo(1);

            long start = System.nanoTime();
            http.close();
            Throwable thrown = outcome.get(5, TimeUnit.SECONDS);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
            assertThat(thrown).isInstanceOf(HttpExchangeException.class);
            assertThat(((HttpExchangeException) thrown).kind()).isIn(HttpExchangeException.Kind.CLOSED,
                    HttpExchangeException.Kind.UNREACHABLE);
            assertThat(http.openConnections()).isZero();
            Throwable afterClose = catchThrowable(() -> http.send(get(server.baseUri()), 1024, OVERALL));
            assertThat(((HttpExchangeException) afterClose).kind()).isEqualTo(HttpExchangeException.Kind.CLOSED);
        }
    }

    @Test
    void anInvalidHeaderValueIsRefusedWithoutQuotingIt() throws Exception {
        // The JDK builder refuses CR/LF itself (quoting the value); non-ASCII passes it but is not sent either.
        try (ScriptedHttpsServer server = ScriptedHttpsServer.https((head, in, out, s) -> ScriptedHttpsServer
                .write(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")); BoundedHttpExchange http = exchange()) {
            HttpRequest request = HttpRequest.newBuilder(server.baseUri()).GET()
                    .header("Authorization", "Bearer s3cret-valu\u00e9").build();
            Throwable thrown = catchThrowable(() -> http.send(request, 1024, OVERALL));
            assertThat(((HttpExchangeException) thrown).kind()).isEqualTo(HttpExchangeException.Kind.INVALID_REQUEST);
            assertThat(thrown.getMessage()).doesNotContain("s3cret").contains("Authorization");
            assertThat(server.accepted()).isZero();
        }
    }
}
