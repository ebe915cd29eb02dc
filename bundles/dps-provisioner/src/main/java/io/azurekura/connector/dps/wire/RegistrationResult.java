package io.azurekura.connector.dps.wire;

/**
 * DPS's {@code DeviceRegistrationResult} ({@code registrationState}), as far as a symmetric-key device uses it.
 * Every field may be null: DPS fills them by status.
 */
public final class RegistrationResult {

    public final String registrationId;
    public final String status;
    public final String assignedHub;
    public final String deviceId;
    public final String substatus;
    public final Integer errorCode;
    public final String errorMessage;
    public final String etag;
    /** The custom allocation payload as JSON text. */
    public final String payload;

    public RegistrationResult(String registrationId, String status, String assignedHub, String deviceId,
            String substatus, Integer errorCode, String errorMessage, String etag, String payload) {
        this.registrationId = registrationId;
        this.status = status;
        this.assignedHub = assignedHub;
        this.deviceId = deviceId;
        this.substatus = substatus;
        this.errorCode = errorCode;
        this.errorMessage = errorMessage;
        this.etag = etag;
        this.payload = payload;
    }

    @Override
    public String toString() {
        // Every field is DPS's text: escaped, so a forged value cannot forge a log line.
        return "status=" + UntrustedText.escape(this.status)
                + (this.assignedHub == null ? "" : " hub=" + UntrustedText.escape(this.assignedHub))
                + (this.deviceId == null ? "" : " deviceId=" + UntrustedText.escape(this.deviceId))
                + (this.errorCode == null ? "" : " errorCode=" + this.errorCode);
    }
}
