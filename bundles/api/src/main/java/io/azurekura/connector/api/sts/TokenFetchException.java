package io.azurekura.connector.api.sts;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** A classified failure to obtain a token. Messages never carry token material. */
public final class TokenFetchException extends Exception {

    private static final long serialVersionUID = 1L;

    private final FetchFailure failure;
    private final int httpStatus;
    private final transient Duration retryAfter;

    public TokenFetchException(FetchFailure failure, String message) {
        this(failure, message, -1, null, null);
    }

    public TokenFetchException(FetchFailure failure, String message, Throwable cause) {
        this(failure, message, -1, null, cause);
    }

    public TokenFetchException(FetchFailure failure, String message, int httpStatus, Duration retryAfter,
            Throwable cause) {
        super(failure + ": " + message, cause);
        this.failure = failure;
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
    }

    public FetchFailure failure() {
        return this.failure;
    }

    public OptionalInt httpStatus() {
        return this.httpStatus < 0 ? OptionalInt.empty() : OptionalInt.of(this.httpStatus);
    }

    /** The server's Retry-After, when it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(this.retryAfter);
    }
}
