package io.azurekura.connector.sts.internal;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
import io.azurekura.connector.common.http.BoundedHttpExchange;
import io.azurekura.connector.common.http.HttpExchangeException;
import io.azurekura.connector.common.http.HttpSyntax;
import io.azurekura.connector.common.redact.Redactor;

/**
 * The token server contract over HTTPS: {@code GET <template expanded for the scope>}, answer = the token as text
 * or in a JSON field. Every failure is classified ({@link FetchFailure}) and every message is free of token
 * material: remote text is redacted (also by the configured secret's exact value), escaped and bounded. Blocking;
 * called only from the token cache's fetch threads. {@link #close()} closes its connections and stops its threads.
 */
public final class HttpStsClient implements TokenSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpStsClient.class);
    static final String USER_AGENT = "azure-sts-connector-kura/1";
    static final String AUTHORIZATION = "Authorization";
    static final String BEARER_PREFIX = "Bearer ";
    /** Longest excerpt of an error body put into a failure message. */
    static final int MAX_ERROR_EXCERPT = 120;

    private final StsSettings settings;
    private final Supplier<Instant> clock;
    private final BoundedHttpExchange http;
    private final Redactor redactor;

    public HttpStsClient(StsSettings settings, SSLContext sslContext, Supplier<Instant> clock) {
        this.settings = settings;
        this.clock = clock;
        this.http = new BoundedHttpExchange("sts-http", sslContext, settings.connectTimeout);
        this.redactor = Redactor.withSecrets(settings.secret);
    }

    /** Redacts this client's secret and every secret shape, escapes and bounds: for any text from outside. */
    public Redactor redactor() {
        return this.redactor;
    }

    @Override
    public SasToken fetch(TokenScope scope) throws TokenFetchException {
        URI uri = (scope.kind() == ScopeKind.DPS_REGISTRATION ? this.settings.dpsTemplate
                : this.settings.hubTemplate).expand(scope);
        HttpResponse<byte[]> response = exchange(request(uri));
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            Duration retryAfter = BoundedHttpExchange.retryAfter(response, this.clock.get());
            throw new TokenFetchException(FetchFailure.HTTP_STATUS, "the token server answered HTTP " + status
                    + (retryAfter == null ? "" : " (Retry-After " + retryAfter.getSeconds() + " s)")
                    + (status >= 300 && status < 400 ? "; redirects are not followed" : "")
                    + errorExcerpt(response.body()), status, retryAfter, null);
        }
        String text = extractToken(decodeUtf8(response.body()));
        SasToken token = this.settings.validator.validate(text, scope, this.clock.get());
        LOG.debug("Token for {} fetched, expires {}", scope, token.expiresAt());
        return token;
    }

    private HttpRequest request(URI uri) throws TokenFetchException {
        String credentialHeader = null;
        String credential = null;
        switch (this.settings.authMode) {
        case BEARER:
            credentialHeader = AUTHORIZATION;
            credential = BEARER_PREFIX + new String(this.settings.secret);
            break;
        case API_KEY:
            credentialHeader = this.settings.apiKeyHeader;
            credential = new String(this.settings.secret);
            break;
        default:
            break;
        }
        if (credential != null && (!HttpSyntax.isToken(credentialHeader) || !HttpSyntax.isFieldValue(credential))) {
            // Settings are checked when configured; this guards clients built some other way.
            throw new TokenFetchException(FetchFailure.NOT_CONFIGURED, StsSettings.SECRET_NOT_SENDABLE);
        }
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET()
                    .header("Accept", this.settings.responseFormat == ResponseFormat.JSON ? "application/json"
                            : "text/plain, application/json")
                    .header("User-Agent", USER_AGENT);
            if (credential != null) {
                request.header(credentialHeader, credential);
            }
            return request.build();
        } catch (IllegalArgumentException e) {
            // The JDK's message quotes the offending header value, which may be the secret: never pass it on.
            throw new TokenFetchException(FetchFailure.NOT_CONFIGURED, "the token request cannot be built from the "
                    + "configuration (a header name or value is not valid HTTP)");
        }
    }

    private HttpResponse<byte[]> exchange(HttpRequest request) throws TokenFetchException {
        try {
            return this.http.send(request, this.settings.maxResponseBytes,
                    this.settings.connectTimeout.plus(this.settings.readTimeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenFetchException(FetchFailure.INTERNAL, "interrupted while fetching a token");
        } catch (HttpExchangeException e) {
            throw classify(e, this.redactor);
        }
    }

    static TokenFetchException classify(HttpExchangeException e, Redactor redactor) {
        String detail = redactor.safe(e.detail());
        String suffix = detail.isEmpty() ? "" : ": " + detail;
        switch (e.kind()) {
        case TOO_LARGE:
            return new TokenFetchException(FetchFailure.RESPONSE_TOO_LARGE,
                    "the token server's answer exceeds the configured maximum size");
        case CONNECT_TIMEOUT:
            return new TokenFetchException(FetchFailure.TIMEOUT, "connecting to the token server timed out");
        case TIMEOUT:
            return new TokenFetchException(FetchFailure.TIMEOUT, "the token server did not answer in time");
        case TLS:
            return new TokenFetchException(FetchFailure.TLS, "TLS with the token server failed" + suffix);
        case UNREACHABLE:
            return new TokenFetchException(FetchFailure.UNREACHABLE, "cannot reach the token server" + suffix);
        case PROTOCOL:
            return new TokenFetchException(FetchFailure.MALFORMED, "the token server's answer is not HTTP/1.1"
                    + suffix);
        case INVALID_REQUEST:
            return new TokenFetchException(FetchFailure.NOT_CONFIGURED, "the token request cannot be sent" + suffix);
        case CLOSED:
            return new TokenFetchException(FetchFailure.UNREACHABLE,
                    "the token server client was closed (reconfigured or stopped)");
        default:
            return new TokenFetchException(FetchFailure.INTERNAL, "token request failed" + suffix);
        }
    }

    /** What an error answer says, when it is text: it names the problem (wrong key, unknown device). */
    private String errorExcerpt(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            String text = decodeUtf8(body).strip();
            if (text.isEmpty()) {
                return "";
            }
            String safe = this.redactor.safe(text.length() > MAX_ERROR_EXCERPT ? text.substring(0, MAX_ERROR_EXCERPT)
                    + "..." : text);
            return ": " + safe;
        } catch (TokenFetchException e) {
            return " (the answer is not UTF-8 text)";
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
                        + "field '" + Redactor.escape(this.settings.jsonField, 64) + "'");
            }
            return field.getAsString();
        } catch (JsonParseException | IllegalStateException | StackOverflowError e) {
            // Gson recurses per nesting level: a deeply nested answer must not take the fetch thread down.
            throw new TokenFetchException(FetchFailure.MALFORMED, "the token server's answer is not JSON");
        }
    }

    /** Closes this client's open connections and stops its exchange threads; fetches in progress fail. */
    @Override
    public void close() {
        this.http.close();
    }
}
