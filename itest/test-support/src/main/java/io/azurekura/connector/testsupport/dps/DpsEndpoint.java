package io.azurekura.connector.testsupport.dps;

/** The three device-side operations of the DPS runtime REST API. */
public enum DpsEndpoint {
    /** {@code PUT /{idScope}/registrations/{registrationId}/register}: starts a (billed) registration. */
    REGISTER,
    /** {@code GET /{idScope}/registrations/{registrationId}/operations/{operationId}}: polls a registration. */
    OPERATION_STATUS,
    /** {@code POST /{idScope}/registrations/{registrationId}}: reads the current registration, no new operation. */
    STATUS_LOOKUP
}
