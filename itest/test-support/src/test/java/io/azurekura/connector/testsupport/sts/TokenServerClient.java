package io.azurekura.connector.testsupport.sts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLContext;

import io.azurekura.connector.testsupport.pki.TestPki;

/** The JDK HTTP client the tests talk to the reference token server with; TLS checks stay on. */
final class TokenServerClient {

    private final HttpClient http;
    private final URI base;

    private TokenServerClient(SSLContext tls, URI base) {
        this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        this.base = base;
    }

    /** Trusts the test CA, presents no client certificate. */
    static TokenServerClient plain(ReferenceTokenServer server) {
        return new TokenServerClient(TestPki.shared().clientSslContext(), server.baseUri());
    }

    /** Trusts the test CA and presents its client certificate. */
    static TokenServerClient mutualTls(ReferenceTokenServer server) {
        return new TokenServerClient(TestPki.shared().mutualTlsClientSslContext(), server.baseUri());
    }

    static TokenServerClient with(SSLContext tls, ReferenceTokenServer server) {
        return new TokenServerClient(tls, server.baseUri());
    }

    /** @param rawSr the query value exactly as it goes on the wire (encode it yourself if wanted) */
    HttpResponse<String> get(String rawSr) {
        return get(rawSr, Map.of(), Duration.ofSeconds(10));
    }

    HttpResponse<String> get(String rawSr, Map<String, String> headers) {
        return get(rawSr, headers, Duration.ofSeconds(10));
    }

    HttpResponse<String> get(String rawSr, Map<String, String> headers, Duration timeout) {
        try {
            return send(request(rawSr, headers, timeout), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Throws what the client saw, for tests that expect a failed exchange. */
    HttpResponse<byte[]> getBytes(String rawSr) throws IOException {
        return send(request(rawSr, Map.of(), Duration.ofSeconds(20)), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> getOrThrow(String rawSr, Duration timeout) throws IOException {
        return send(request(rawSr, Map.of(), timeout), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String rawSr, Map<String, String> headers, Duration timeout) {
        String query = rawSr == null ? "" : "?" + StsProtocol.RESOURCE_PARAMETER + "=" + rawSr;
        HttpRequest.Builder builder = HttpRequest.newBuilder(this.base.resolve("/api/sas" + query))
                .timeout(timeout).GET();
        headers.forEach(builder::header);
        return builder.build();
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return this.http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
