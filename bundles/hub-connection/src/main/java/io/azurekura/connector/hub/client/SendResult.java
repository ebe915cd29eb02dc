package io.azurekura.connector.hub.client;

import java.util.Objects;

/** The outcome of handing one message to a client. */
public final class SendResult {

    /** What the outcome means for the message. */
    public enum Kind {
        /** The hub acknowledged it. */
        ACKNOWLEDGED,
        /** The client closed before an acknowledgement; send it again on the next connection. */
        CANCELLED,
        /** A transient failure the client gave up on (throttling, timeout, connection trouble); send it again. */
        RETRYABLE,
        /** The hub refused it for good (bad format, too large, quota). */
        REJECTED
    }

    public static final SendResult ACKNOWLEDGED = new SendResult(Kind.ACKNOWLEDGED, "OK");

    private final Kind kind;
    private final String status;

    public SendResult(Kind kind, String status) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.status = status;
    }

    public Kind kind() {
        return this.kind;
    }

    /** The wire's status name, e.g. the SDK's {@code IotHubStatusCode}. */
    public String status() {
        return this.status;
    }

    @Override
    public String toString() {
        return this.kind + "(" + this.status + ")";
    }
}
