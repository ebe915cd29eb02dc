package io.azurekura.connector.sts.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

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
import io.azurekura.connector.common.redact.Redactor;

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
            Duration retryAfter = retryAfter(response);
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
        // The request timeout only covers the headers; bound the whole exchange, body included.
        long overallMillis = this.settings.connectTimeout.plus(this.settings.readTimeout).toMillis();
        try {
            return this.client
                    .sendAsync(request, info -> new CappedBodySubscriber(this.settings.maxResponseBytes))
                    .get(overallMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TokenFetchException(FetchFailure.TIMEOUT, "no complete answer from the token server within "
                    + overallMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenFetchException(FetchFailure.INTERNAL, "interrupted while fetching a token");
        } catch (ExecutionException e) {
            throw classify(e.getCause());
        }
    }

    static TokenFetchException classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof CappedBodySubscriber.TooLargeException) {
                return new TokenFetchException(FetchFailure.RESPONSE_TOO_LARGE,
                        "the token server's answer exceeds the configured maximum size");
            }
            if (t instanceof HttpConnectTimeoutException) {
                return new TokenFetchException(FetchFailure.TIMEOUT, "connecting to the token server timed out");
            }
            if (t instanceof HttpTimeoutException) {
                return new TokenFetchException(FetchFailure.TIMEOUT, "the token server did not answer in time");
            }
            if (t instanceof SSLException) {
                return new TokenFetchException(FetchFailure.TLS, "TLS with the token server failed: "
                        + Redactor.excerpt(t.getMessage()));
            }
            if (t instanceof ConnectException || t instanceof java.nio.channels.UnresolvedAddressException
                    || t instanceof java.net.UnknownHostException) {
                return new TokenFetchException(FetchFailure.UNREACHABLE, "cannot connect to the token server: "
                        + Redactor.excerpt(String.valueOf(t.getMessage())));
            }
        }
        if (error instanceof IOException) {
            return new TokenFetchException(FetchFailure.UNREACHABLE, "the connection to the token server failed: "
                    + Redactor.excerpt(String.valueOf(error.getMessage())));
        }
        return new TokenFetchException(FetchFailure.INTERNAL, "token request failed: "
                + Redactor.excerpt(String.valueOf(error)));
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

    /** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    static Duration retryAfter(HttpResponse<?> response) {
        String value = response.headers().firstValue("Retry-After").orElse(null);
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.matches("[0-9]{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(trimmed));
        }
        try {
            Duration until = Duration.between(Instant.now(),
                    ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public void close() {
        this.executor.shutdownNow();
    }
}
