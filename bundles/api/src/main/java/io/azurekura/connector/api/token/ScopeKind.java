package io.azurekura.connector.api.token;

/** What a token authorises. */
public enum ScopeKind {
    /** An IoT Hub device: audience {@code {hub}/devices/{deviceId}}. */
    DEVICE,
    /** An IoT Hub module: audience {@code {hub}/devices/{deviceId}/modules/{moduleId}}. */
    MODULE,
    /** A DPS registration: audience {@code {idScope}/registrations/{registrationId}}. */
    DPS_REGISTRATION
}
