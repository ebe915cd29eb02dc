package io.azurekura.connector.api.dps;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of a DPS registration: which IoT Hub the device was assigned to and under which device id. Holds no
 * secrets, so it may be logged, saved and shown.
 */
public final class Assignment {

    private final String idScope;
    private final String registrationId;
    private final String assignedHub;
    private final String deviceId;
    private final String substatus;
    private final String payload;
    private final Instant assignedAt;

    /**
     * @param substatus DPS's {@code substatus} (e.g. {@code initialAssignment}), or null
     * @param payload the JSON text DPS returned in {@code registrationState.payload}, or null
     * @param assignedAt when this gateway received the assignment
     */
    public Assignment(String idScope, String registrationId, String assignedHub, String deviceId, String substatus,
            String payload, Instant assignedAt) {
        this.idScope = required("idScope", idScope);
        this.registrationId = required("registrationId", registrationId);
        this.assignedHub = required("assignedHub", assignedHub);
        this.deviceId = required("deviceId", deviceId);
        this.substatus = substatus == null || substatus.isEmpty() ? null : substatus;
        this.payload = payload == null || payload.isEmpty() ? null : payload;
        this.assignedAt = Objects.requireNonNull(assignedAt, "assignedAt");
    }

    private static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    public String idScope() {
        return this.idScope;
    }

    public String registrationId() {
        return this.registrationId;
    }

    /** The IoT Hub host name, e.g. {@code myhub.azure-devices.net}. */
    public String assignedHub() {
        return this.assignedHub;
    }

    /** The device id in the assigned hub (DPS uses the registration id unless the enrollment says otherwise). */
    public String deviceId() {
        return this.deviceId;
    }

    public Optional<String> substatus() {
        return Optional.ofNullable(this.substatus);
    }

    /** The custom allocation payload DPS returned, as JSON text. */
    public Optional<String> payload() {
        return Optional.ofNullable(this.payload);
    }

    public Instant assignedAt() {
        return this.assignedAt;
    }

    /** True when made for that ID scope and registration id (DPS compares both case-insensitively). */
    public boolean isFor(String otherIdScope, String otherRegistrationId) {
        return this.idScope.equalsIgnoreCase(otherIdScope) && this.registrationId.equalsIgnoreCase(otherRegistrationId);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Assignment)) {
            return false;
        }
        Assignment other = (Assignment) o;
        return this.idScope.equals(other.idScope) && this.registrationId.equals(other.registrationId)
                && this.assignedHub.equals(other.assignedHub) && this.deviceId.equals(other.deviceId)
                && Objects.equals(this.substatus, other.substatus) && Objects.equals(this.payload, other.payload)
                && this.assignedAt.equals(other.assignedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.idScope, this.registrationId, this.assignedHub, this.deviceId, this.assignedAt);
    }

    @Override
    public String toString() {
        return this.registrationId + "@" + this.idScope + " -> " + this.assignedHub + "/devices/" + this.deviceId
                + (this.substatus == null ? "" : " (" + this.substatus + ")");
    }
}
