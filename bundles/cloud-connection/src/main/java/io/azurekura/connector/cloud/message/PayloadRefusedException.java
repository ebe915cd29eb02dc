package io.azurekura.connector.cloud.message;

/**
 * A KuraMessage that cannot become IoT Hub telemetry, with the reason class. Messages never quote metric values or
 * property values, and quote names only escaped and shortened.
 */
public final class PayloadRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Why the message was refused. */
    public enum Reason {
        /** The encoded message would exceed what this connection ever sends (see KuraPayloadJson.MAX_JSON_CHARS). */
        TOO_LARGE,
        /** A metric of a type Kura payloads do not carry (maps, collections, arrays other than byte[]...). */
        UNSUPPORTED_METRIC_TYPE,
        /** A message or correlation id IoT Hub cannot take. */
        INVALID_ID
    }

    private final Reason reason;

    public PayloadRefusedException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return this.reason;
    }
}
