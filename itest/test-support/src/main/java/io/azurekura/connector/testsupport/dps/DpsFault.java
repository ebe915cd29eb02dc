package io.azurekura.connector.testsupport.dps;

import java.util.Locale;

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
        HTTP_ERROR
    }

    final DpsEndpoint endpoint;
    final Kind kind;
    final int httpStatus;
    final Integer retryAfterSeconds;
    final int errorCode;
    final String message;
    final String registrationId;
    int remaining;

    private DpsFault(DpsEndpoint endpoint, Kind kind, int httpStatus, Integer retryAfterSeconds, int errorCode,
            String message, String registrationId, int remaining) {
        this.endpoint = endpoint;
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.retryAfterSeconds = retryAfterSeconds;
        this.errorCode = errorCode;
        this.message = message;
        this.registrationId = registrationId;
        this.remaining = remaining;
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
                this.message, this.registrationId, count);
    }

    /** Applies only to requests of this registration. */
    public DpsFault forRegistration(String id) {
        return new DpsFault(this.endpoint, this.kind, this.httpStatus, this.retryAfterSeconds, this.errorCode,
                this.message, id.toLowerCase(Locale.ROOT), this.remaining);
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
