package io.azurekura.connector.dps.wire;

/**
 * DPS's {@code ProvisioningServiceErrorDetails} from an error response. Fields are null when the body was absent
 * or not the documented JSON; the message is already redacted and shortened.
 */
public final class DpsError {

    public final Integer errorCode;
    public final String message;
    public final String trackingId;

    public DpsError(Integer errorCode, String message, String trackingId) {
        this.errorCode = errorCode;
        this.message = message;
        this.trackingId = trackingId;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        if (this.errorCode != null) {
            text.append("errorCode ").append(this.errorCode);
        }
        if (this.message != null && !this.message.isEmpty()) {
            text.append(text.length() == 0 ? "" : ": ").append(UntrustedText.escape(this.message));
        }
        if (this.trackingId != null) {
            text.append(" (trackingId ").append(UntrustedText.escape(this.trackingId)).append(')');
        }
        return text.toString();
    }
}
