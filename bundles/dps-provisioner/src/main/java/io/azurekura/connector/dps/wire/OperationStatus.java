package io.azurekura.connector.dps.wire;

/** DPS's {@code RegistrationOperationStatus}: the answer to a register request and to each poll. */
public final class OperationStatus {

    public final String operationId;
    public final String status;
    /** Null while assigning (DPS may omit it). */
    public final RegistrationResult registrationState;

    public OperationStatus(String operationId, String status, RegistrationResult registrationState) {
        this.operationId = operationId;
        this.status = status;
        this.registrationState = registrationState;
    }

    @Override
    public String toString() {
        return "operation " + UntrustedText.escape(this.operationId) + " " + UntrustedText.escape(this.status)
                + (this.registrationState == null ? "" : " (" + this.registrationState + ")");
    }
}
