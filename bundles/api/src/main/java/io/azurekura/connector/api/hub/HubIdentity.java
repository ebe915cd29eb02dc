package io.azurekura.connector.api.hub;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import io.azurekura.connector.api.token.TokenScope;

/** Who the connection authenticates as: a device, or a module of a device, in one IoT Hub. Holds no secret. */
public final class HubIdentity {

    private final String hubHost;
    private final String deviceId;
    private final String moduleId;
    private final IdentitySource source;

    private HubIdentity(String hubHost, String deviceId, String moduleId, IdentitySource source) {
        this.hubHost = required("hubHost", hubHost).toLowerCase(Locale.ROOT);
        this.deviceId = required("deviceId", deviceId);
        this.moduleId = moduleId == null || moduleId.isBlank() ? null : moduleId.trim();
        this.source = Objects.requireNonNull(source, "source");
    }

    public static HubIdentity device(String hubHost, String deviceId, IdentitySource source) {
        return new HubIdentity(hubHost, deviceId, null, source);
    }

    /** A module identity; a null or blank {@code moduleId} makes it a device identity. */
    public static HubIdentity module(String hubHost, String deviceId, String moduleId, IdentitySource source) {
        return new HubIdentity(hubHost, deviceId, moduleId, source);
    }

    private static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value.trim();
    }

    /** Lower-cased IoT Hub host name, e.g. {@code myhub.azure-devices.net}. */
    public String hubHost() {
        return this.hubHost;
    }

    public String deviceId() {
        return this.deviceId;
    }

    public Optional<String> moduleId() {
        return Optional.ofNullable(this.moduleId);
    }

    public IdentitySource source() {
        return this.source;
    }

    /** The token scope (audience) this identity authenticates with. */
    public TokenScope tokenScope() {
        return this.moduleId == null ? TokenScope.device(this.hubHost, this.deviceId)
                : TokenScope.module(this.hubHost, this.deviceId, this.moduleId);
    }

    /** Same hub, device and module, wherever the identity came from. */
    public boolean sameIdentityAs(HubIdentity other) {
        return other != null && this.hubHost.equals(other.hubHost) && this.deviceId.equals(other.deviceId)
                && Objects.equals(this.moduleId, other.moduleId);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HubIdentity && sameIdentityAs((HubIdentity) o) && ((HubIdentity) o).source == this.source;
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.hubHost, this.deviceId, this.moduleId, this.source);
    }

    @Override
    public String toString() {
        return this.hubHost + "/devices/" + this.deviceId + (this.moduleId == null ? "" : "/modules/" + this.moduleId);
    }
}
