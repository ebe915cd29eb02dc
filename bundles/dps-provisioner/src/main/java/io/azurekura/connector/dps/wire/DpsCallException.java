package io.azurekura.connector.dps.wire;

import java.util.OptionalInt;

import io.azurekura.connector.api.dps.ProvisioningFailure;

/**
 * A DPS request that produced no usable answer: no connection, a timeout, a TLS failure, an oversized or unparsable
 * body. Classified with the same reasons the provisioner reports; messages never carry token material.
 */
public final class DpsCallException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ProvisioningFailure failure;
    private final int httpStatus;

    public DpsCallException(ProvisioningFailure failure, String message) {
        this(failure, message, -1);
    }

    public DpsCallException(ProvisioningFailure failure, String message, int httpStatus) {
        super(failure + ": " + message);
        this.failure = failure;
        this.httpStatus = httpStatus;
    }

    public ProvisioningFailure failure() {
        return this.failure;
    }

    public OptionalInt httpStatus() {
        return this.httpStatus < 0 ? OptionalInt.empty() : OptionalInt.of(this.httpStatus);
    }
}
