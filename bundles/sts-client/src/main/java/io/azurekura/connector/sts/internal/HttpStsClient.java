package io.azurekura.connector.sts.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.ScopeKind;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.http.BoundedHttpExchange;
import io.azurekura.connector.common.http.HttpExchangeException;

/**
 * The token server contract over HTTPS: {@code GET <template expanded for the scope>}, answer = the token as text
 * or in a JSON field. Every failure is classified ({@link FetchFailure}) and every message is free of token
 * material. Blocking; called only from the token cache's fetch threads.
 */
public final class HttpStsClient implements TokenSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpStsClient.class);
    static final String USER_AGENT = "azure-sts-connector-kura/1";

    private final StsSettings settings;
    private final Supplier<Instant> clock;
    private final ExecutorService executor;
    private final HttpClient client;

    public HttpStsClient(StsSettings settings, SSLContext sslContext, Supplier<Instant> clock) {
        this.settings = settings;
        this.clock = clock;
        // Our own executor so that closing this client stops the threads it used (JDK 17 HttpClient has no close).
        this.executor = Executors.newCachedThreadPool(new NamedThreadFactory("sts-http"));
        this.client = HttpClient.newBuilder().executor(this.executor).sslContext(sslContext)
                .connectTimeout(settings.connectTimeout).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public SasToken fetch(TokenScope scope) throws TokenFetchException {
        URI uri = (scope.kind() == ScopeKind.DPS_REGISTRATION ? this.settings.dpsTemplate
                : this.settings.hubTemplate).expand(scope);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(this.settings.readTimeout)
                .header("Accept", this.settings.responseFormat == ResponseFormat.JSON ? "application/json"
                        : "text/plain, application/json")
                .header("User-Agent", USER_AGENT);
        switch (this.settings.authMode) {
        case BEARER:
            request.header("Authorization", "Bearer " + new String(this.settings.secret));
            break;
        case API_KEY:
            request.header(this.settings.apiKeyHeader, new String(this.settings.secret));
            break;
        default:
            break;
        }
        HttpResponse<byte[]> response = exchange(request.build());
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            Duration retryAfter = BoundedHttpExchange.retryAfter(response, this.clock.get());
            throw new TokenFetchException(FetchFailure.HTTP_STATUS, "the token server answered HTTP " + status
                    + (retryAfter == null ? "" : " (Retry-After " + retryAfter.getSeconds() + " s)"), status,
                    retryAfter, null);
        }
        String text = extractToken(decodeUtf8(response.body()));
        SasToken token = this.settings.validator.validate(text, scope, this.clock.get());
        LOG.debug("Token for {} fetched, expires {}", scope, token.expiresAt());
        return token;
    }

    private HttpResponse<byte[]> exchange(HttpRequest request) throws TokenFetchException {
        try {
            return BoundedHttpExchange.send(this.client, request, this.settings.maxResponseBytes,
                    this.settings.connectTimeout.plus(this.settings.readTimeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenFetchException(FetchFailure.INTERNAL, "interrupted while fetching a token");
        } catch (HttpExchangeException e) {
            throw classify(e);
        }
    }

    static TokenFetchException classify(HttpExchangeException e) {
        switch (e.kind()) {
        case TOO_LARGE:
            return new TokenFetchException(FetchFailure.RESPONSE_TOO_LARGE,
                    "the token server's answer exceeds the configured maximum size");
        case CONNECT_TIMEOUT:
            return new TokenFetchException(FetchFailure.TIMEOUT, "connecting to the token server timed out");
        case TIMEOUT:
            return new TokenFetchException(FetchFailure.TIMEOUT, "the token server did not answer in time");
        case TLS:
            return new TokenFetchException(FetchFailure.TLS, "TLS with the token server failed: " + e.detail());
        case UNREACHABLE:
            return new TokenFetchException(FetchFailure.UNREACHABLE, "cannot reach the token server: " + e.detail());
        default:
            return new TokenFetchException(FetchFailure.INTERNAL, "token request failed: " + e.detail());
        }
    }

    private static String decodeUtf8(byte[] body) throws TokenFetchException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new TokenFetchException(FetchFailure.MALFORMED, "the token server's answer is not UTF-8 text");
        }
    }

    private String extractToken(String body) throws TokenFetchException {
        String trimmed = body.trim();
        if (trimmed.isEmpty()) {
            throw new TokenFetchException(FetchFailure.MALFORMED, "the token server's answer is empty");
        }
        if (this.settings.responseFormat == ResponseFormat.TEXT) {
            // Tolerate a JSON string literal ("SharedAccessSignature ...") as some servers quote plain text.
            if (trimmed.length() > 1 && trimmed.startsWith("\"") && trimmed.endsWith("\"")) {
                trimmed = trimmed.substring(1, trimmed.length() - 1);
            }
            return trimmed;
        }
        try {
            JsonElement root = JsonParser.parseString(trimmed);
            JsonElement field = root.isJsonObject() ? root.getAsJsonObject().get(this.settings.jsonField) : null;
            if (field == null || !field.isJsonPrimitive() || !field.getAsJsonPrimitive().isString()) {
                throw new TokenFetchException(FetchFailure.MALFORMED, "the token server's JSON answer has no string "
                        + "field '" + this.settings.jsonField + "'");
            }
            return field.getAsString();
        } catch (JsonParseException | IllegalStateException e) {
            throw new TokenFetchException(FetchFailure.MALFORMED, "the token server's answer is not JSON");
        }
    }

    @Override
    public void close() {
        this.executor.shutdownNow();
    }
}
