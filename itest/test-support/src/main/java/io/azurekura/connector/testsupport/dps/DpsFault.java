package io.azurekura.connector.testsupport.dps;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP-level failure the emulator answers with instead of the normal response, for a number of requests to one
 * endpoint (optionally of one registration). Faults apply after the polling limit and before the SAS check, the
 * way a throttling front end answers before the service looks at the request.
 */
public final class DpsFault {

    /** What the emulator answers. */
    public enum Kind {
        /** 429 with DPS's throttling error body, and {@code Retry-After} when given. */
        THROTTLE,
        /** 500 with an error body. */
        SERVER_ERROR,
        /** 401 whatever the token. */
        UNAUTHORIZED,
        /** The normal status code, but a body that is not JSON. */
        MALFORMED_JSON,
        /** Any status with DPS's error body ({@code errorCode}, {@code trackingId}, {@code message}). */
        HTTP_ERROR,
        /** Exactly the given status, headers and body: a forged or broken DPS answer, verbatim. */
        RAW,
        /** The normal answer, sent only after a delay: a DPS that is slow to answer. */
        DELAY
    }

    final DpsEndpoint endpoint;
    final Kind kind;
    final int httpStatus;
    final Integer retryAfterSeconds;
    final int errorCode;
    final String message;
    final String registrationId;
    final Map<String, String> headers;
    final Duration delay;
    int remaining;

    private DpsFault(DpsEndpoint endpoint, Kind kind, int httpStatus, Integer retryAfterSeconds, int errorCode,
            String message, String registrationId, int remaining) {
        this(endpoint, kind, httpStatus, retryAfterSeconds, errorCode, message, registrationId, remaining, Map.of(),
                Duration.ZERO);
    }

    private DpsFault(DpsEndpoint endpoint, Kind kind, int httpStatus, Integer retryAfterSeconds, int errorCode,
            String message, String registrationId, int remaining, Map<String, String> headers, Duration delay) {
        this.endpoint = endpoint;
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.retryAfterSeconds = retryAfterSeconds;
        this.errorCode = errorCode;
        this.message = message;
        this.registrationId = registrationId;
        this.remaining = remaining;
        this.headers = Map.copyOf(headers);
        this.delay = delay;
    }

    /**
     * Answers exactly {@code httpStatus}, {@code headers} and {@code body} (sent as is, even if it is not JSON),
     * e.g. a forged {@code assigned} answer naming another hub, or a {@code Retry-After} that is not a number.
     */
    public static DpsFault rawAnswer(DpsEndpoint endpoint, int httpStatus, Map<String, String> headers,
            String body) {
        return new DpsFault(endpoint, Kind.RAW, httpStatus, null, 0, body, null, 1, headers, Duration.ZERO);
    }

    /** The normal answer, held back for {@code delay} (the emulator keeps answering other requests meanwhile). */
    public static DpsFault delayed(DpsEndpoint endpoint, Duration delay) {
        return new DpsFault(endpoint, Kind.DELAY, 0, null, 0, null, null, 1, Map.of(), delay);
    }

    /** 429 Too Many Requests; {@code retryAfterSeconds} null sends no Retry-After header. */
    public static DpsFault throttle(DpsEndpoint endpoint, Integer retryAfterSeconds) {
        return new DpsFault(endpoint, Kind.THROTTLE, 429, retryAfterSeconds, 429001,
                "Operations are being throttled for this tenant.", null, 1);
    }

    public static DpsFault serverError(DpsEndpoint endpoint) {
        return new DpsFault(endpoint, Kind.SERVER_ERROR, 500, null, 500000, "Internal server error.", null, 1);
    }

    public static DpsFault unauthorized(DpsEndpoint endpoint) {
        return new DpsFault(endpoint, Kind.UNAUTHORIZED, 401, null, 401002,
                "The request is unauthorized. Unauthorized", null, 1);
    }

    public static DpsFault malformedJson(DpsEndpoint endpoint) {
        return new DpsFault(endpoint, Kind.MALFORMED_JSON, 0, null, 0, null, null, 1);
    }

    /** E.g. {@code httpError(REGISTER, 400, 400004, "Malformed request")} or a 404 for an unknown enrollment. */
    public static DpsFault httpError(DpsEndpoint endpoint, int httpStatus, int errorCode, String message) {
        return new DpsFault(endpoint, Kind.HTTP_ERROR, httpStatus, null, errorCode, message, null, 1);
    }

    /** Applies to the next {@code count} matching requests ({@link Integer#MAX_VALUE}: until cleared). */
    public DpsFault times(int count) {
        return new DpsFault(this.endpoint, this.kind, this.httpStatus, this.retryAfterSeconds, this.errorCode,
                this.message, this.registrationId, count, this.headers, this.delay);
    }

    /** Applies only to requests of this registration. */
    public DpsFault forRegistration(String id) {
        return new DpsFault(this.endpoint, this.kind, this.httpStatus, this.retryAfterSeconds, this.errorCode,
                this.message, id.toLowerCase(Locale.ROOT), this.remaining, this.headers, this.delay);
    }

    boolean matches(DpsEndpoint requested, String registrationKey) {
        return this.remaining > 0 && this.endpoint == requested
                && (this.registrationId == null || this.registrationId.equals(registrationKey));
    }

    @Override
    public String toString() {
        return this.kind + " on " + this.endpoint + (this.registrationId == null ? "" : " for " + this.registrationId)
                + " x" + (this.remaining == Integer.MAX_VALUE ? "inf" : String.valueOf(this.remaining));
    }
}
