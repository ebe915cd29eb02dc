package io.azurekura.connector.common.http;

/**
 * Why an HTTP exchange produced no response. Wire clients map the kind onto their own classified failure; the detail
 * is our own text or redacted, escaped and bounded remote text; it never quotes request data, so it is safe for a log line.
 */
public final class HttpExchangeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, independent of the protocol on top. */
    public enum Kind {
        /** The body exceeded the configured cap. */
        TOO_LARGE,
        /** The TCP or TLS connection could not be set up in time. */
        CONNECT_TIMEOUT,
        /** The server did not answer (headers or body) in time. */
        TIMEOUT,
        /** TLS handshake failed: untrusted certificate, host name mismatch, refused client certificate. */
        TLS,
        /** Refused, reset, dropped, or the name does not resolve. */
        UNREACHABLE,
        /** The answer is not HTTP/1.1: a bad status line, header or chunk, too many or too large headers. */
        PROTOCOL,
        /** The request cannot be sent as it is (a header name or value that is not valid HTTP). */
        INVALID_REQUEST,
        /** The client was closed (deactivation, reconfiguration) before or during the exchange. */
        CLOSED,
        /** Anything else. */
        OTHER
    }

    private final Kind kind;
    private final String detail;

    public HttpExchangeException(Kind kind, String detail) {
        super(kind + (detail.isEmpty() ? "" : ": " + detail), null, false, false);
        this.kind = kind;
        this.detail = detail;
    }

    public Kind kind() {
        return this.kind;
    }

    /** Redacted, one-line detail from the underlying error; may be empty. */
    public String detail() {
        return this.detail;
    }
}
