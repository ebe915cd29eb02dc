package io.azurekura.connector.common.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLSession;

/** A complete answer held in memory, in the JDK's response type so that callers read it as they always did. */
final class BufferedResponse implements HttpResponse<byte[]> {

    private final HttpRequest request;
    private final URI uri;
    private final int status;
    private final HttpHeaders headers;
    private final byte[] body;

    BufferedResponse(HttpRequest request, URI uri, int status, Map<String, List<String>> headers, byte[] body) {
        this.request = request;
        this.uri = uri;
        this.status = status;
        this.headers = HttpHeaders.of(headers, (name, value) -> true);
        this.body = body;
    }

    @Override
    public int statusCode() {
        return this.status;
    }

    @Override
    public HttpRequest request() {
        return this.request;
    }

    @Override
    public Optional<HttpResponse<byte[]>> previousResponse() {
        return Optional.empty();
    }

    @Override
    public HttpHeaders headers() {
        return this.headers;
    }

    @Override
    public byte[] body() {
        return this.body;
    }

    @Override
    public Optional<SSLSession> sslSession() {
        return Optional.empty();
    }

    @Override
    public URI uri() {
        return this.uri;
    }

    @Override
    public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
    }

    @Override
    public String toString() {
        return "(" + this.status + ") " + this.uri.getScheme() + "://" + this.uri.getRawAuthority()
                + this.uri.getRawPath();
    }
}
