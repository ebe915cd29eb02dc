package io.azurekura.connector.testsupport.sts;

import java.time.Duration;
import java.util.Objects;

/**
 * One way the reference token server can misbehave, injected with
 * {@link ReferenceTokenServer#injectFault(Fault, int)}. Each kind stands for a failure a real token server, or
 * something in front of it (proxy, captive portal, load balancer), produces in the field.
 */
public final class Fault {

    /** What the fault does to a request. */
    public enum Kind {
        /** Wait before answering; combines with any other fault. */
        LATENCY,
        /** Answer with a given HTTP status, optionally with {@code Retry-After}. */
        STATUS,
        /** 200 with an empty body. */
        EMPTY_BODY,
        /** 200 with an HTML page, as a captive portal or a misrouted proxy answers. */
        HTML_BODY,
        /** 200 with a body far larger than any token. */
        OVERSIZED_BODY,
        /** 200 with bytes that are not UTF-8. */
        GARBLED_BODY,
        /** A well-signed token for another audience. */
        WRONG_AUDIENCE,
        /** A well-signed token whose {@code se} is in the past. */
        EXPIRED_TOKEN,
        /** A token for the right audience signed with a key the service does not know. */
        WRONG_KEY,
        /** Close the connection without any response. */
        DROP_CONNECTION
    }

    private final Kind kind;
    private final Duration delay;
    private final int statusCode;
    private final Integer retryAfterSeconds;
    private final int bodySize;

    private Fault(Kind kind, Duration delay, int statusCode, Integer retryAfterSeconds, int bodySize) {
        this.kind = kind;
        this.delay = delay;
        this.statusCode = statusCode;
        this.retryAfterSeconds = retryAfterSeconds;
        this.bodySize = bodySize;
    }

    private static Fault of(Kind kind) {
        return new Fault(kind, Duration.ZERO, 0, null, 0);
    }

    /** Wait {@code delay} before handling the request (on a timer: other requests are not held up). */
    public static Fault latency(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative");
        }
        return new Fault(Kind.LATENCY, delay, 0, null, 0);
    }

    /**
     * @param statusCode any HTTP status, 100 to 599
     * @param retryAfterSeconds the {@code Retry-After} header in seconds, or null for none
     */
    public static Fault status(int statusCode, Integer retryAfterSeconds) {
        if (statusCode < 100 || statusCode > 599) {
            throw new IllegalArgumentException("HTTP status must be 100 to 599: " + statusCode);
        }
        if (retryAfterSeconds != null && retryAfterSeconds < 0) {
            throw new IllegalArgumentException("Retry-After must not be negative");
        }
        return new Fault(Kind.STATUS, Duration.ZERO, statusCode, retryAfterSeconds, 0);
    }

    public static Fault emptyBody() {
        return of(Kind.EMPTY_BODY);
    }

    public static Fault htmlBody() {
        return of(Kind.HTML_BODY);
    }

    /** @param bytes the body size, e.g. 10 MiB to check that a client caps what it reads */
    public static Fault oversizedBody(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("body size must be positive");
        }
        return new Fault(Kind.OVERSIZED_BODY, Duration.ZERO, 0, null, bytes);
    }

    public static Fault garbledBody() {
        return of(Kind.GARBLED_BODY);
    }

    public static Fault wrongAudience() {
        return of(Kind.WRONG_AUDIENCE);
    }

    public static Fault expiredToken() {
        return of(Kind.EXPIRED_TOKEN);
    }

    public static Fault wrongKey() {
        return of(Kind.WRONG_KEY);
    }

    /**
     * Closes the connection before any response byte. The JDK {@code HttpClient} silently retries an idempotent GET
     * once when this happens, so a single drop is invisible to its caller (the server still counts both requests);
     * inject it at least twice, or forever, to make a JDK client fail.
     */
    public static Fault dropConnection() {
        return of(Kind.DROP_CONNECTION);
    }

    public Kind kind() {
        return this.kind;
    }

    /** For {@link Kind#LATENCY}; zero otherwise. */
    public Duration delay() {
        return this.delay;
    }

    /** For {@link Kind#STATUS}; 0 otherwise. */
    public int statusCode() {
        return this.statusCode;
    }

    /** For {@link Kind#STATUS}: the {@code Retry-After} seconds, or null when the header is left out. */
    public Integer retryAfterSeconds() {
        return this.retryAfterSeconds;
    }

    /** For {@link Kind#OVERSIZED_BODY}; 0 otherwise. */
    public int bodySize() {
        return this.bodySize;
    }

    /** Faults that change the token rather than the HTTP exchange; they apply only when a token is issued. */
    boolean altersToken() {
        return this.kind == Kind.WRONG_AUDIENCE || this.kind == Kind.EXPIRED_TOKEN || this.kind == Kind.WRONG_KEY;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Fault)) {
            return false;
        }
        Fault that = (Fault) other;
        return this.kind == that.kind && this.delay.equals(that.delay) && this.statusCode == that.statusCode
                && Objects.equals(this.retryAfterSeconds, that.retryAfterSeconds) && this.bodySize == that.bodySize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.kind, this.delay, this.statusCode, this.retryAfterSeconds, this.bodySize);
    }

    @Override
    public String toString() {
        switch (this.kind) {
        case LATENCY:
            return "Fault[LATENCY " + this.delay.toMillis() + " ms]";
        case STATUS:
            return "Fault[STATUS " + this.statusCode
                    + (this.retryAfterSeconds == null ? "" : ", Retry-After " + this.retryAfterSeconds) + "]";
        case OVERSIZED_BODY:
            return "Fault[OVERSIZED_BODY " + this.bodySize + " bytes]";
        default:
            return "Fault[" + this.kind + "]";
        }
    }
}
