package io.azurekura.connector.common.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.azurekura.connector.common.redact.Redactor;

/**
 * One HTTP exchange with hard bounds, shared by the token server and DPS clients: the JDK's request timeout covers
 * only the response headers, so the whole exchange (body included) is bounded here, and the body is capped. Failures
 * come back classified, with redacted details.
 */
public final class BoundedHttpExchange {

    private BoundedHttpExchange() {
    }

    public static HttpResponse<byte[]> send(HttpClient client, HttpRequest request, int maxBodyBytes,
            Duration overall) throws HttpExchangeException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request,
                info -> new CappedBodySubscriber(maxBodyBytes));
        try {
            return exchange.get(overall.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new HttpExchangeException(HttpExchangeException.Kind.TIMEOUT,
                    "no complete answer within " + overall.toMillis() + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw classify(e.getCause());
        }
    }

    static HttpExchangeException classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof CappedBodySubscriber.TooLargeException) {
                return new HttpExchangeException(HttpExchangeException.Kind.TOO_LARGE, "");
            }
            if (t instanceof HttpConnectTimeoutException) {
                return new HttpExchangeException(HttpExchangeException.Kind.CONNECT_TIMEOUT, "");
            }
            if (t instanceof HttpTimeoutException) {
                return new HttpExchangeException(HttpExchangeException.Kind.TIMEOUT, "");
            }
            if (t instanceof SSLException) {
                return new HttpExchangeException(HttpExchangeException.Kind.TLS, Redactor.excerpt(t.getMessage()));
            }
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException
                    || t instanceof UnknownHostException) {
                return new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE,
                        Redactor.excerpt(String.valueOf(t.getMessage())));
            }
        }
        return new HttpExchangeException(
                error instanceof IOException ? HttpExchangeException.Kind.UNREACHABLE
                        : HttpExchangeException.Kind.OTHER,
                Redactor.excerpt(String.valueOf(error instanceof IOException ? error.getMessage() : error)));
    }

    /** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    public static Duration retryAfter(HttpResponse<?> response, Instant now) {
        String value = response.headers().firstValue("Retry-After").orElse(null);
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.matches("[0-9]{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(trimmed));
        }
        try {
            Duration until = Duration.between(now,
                    ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
