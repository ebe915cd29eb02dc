package io.azurekura.connector.api.token;

import java.util.Locale;
import java.util.Objects;

/**
 * The identity a token is issued for, and therefore its audience ({@code sr}). Two scopes are equal when IoT Hub
 * would treat their audiences as the same: case-insensitively, whatever the URL encoding.
 */
public final class TokenScope {

    private final ScopeKind kind;
    private final String hubHost;
    private final String deviceId;
    private final String moduleId;
    private final String idScope;
    private final String registrationId;
    private final String resourceUri;
    private final String canonical;

    private TokenScope(ScopeKind kind, String hubHost, String deviceId, String moduleId, String idScope,
            String registrationId) {
        this.kind = kind;
        this.hubHost = hubHost;
        this.deviceId = deviceId;
        this.moduleId = moduleId;
        this.idScope = idScope;
        this.registrationId = registrationId;
        switch (kind) {
        case DEVICE:
            this.resourceUri = hubHost + "/devices/" + ResourceUris.encodeSegment(deviceId);
            break;
        case MODULE:
            this.resourceUri = hubHost + "/devices/" + ResourceUris.encodeSegment(deviceId) + "/modules/"
                    + ResourceUris.encodeSegment(moduleId);
            break;
        default:
            this.resourceUri = idScope + "/registrations/" + ResourceUris.encodeSegment(registrationId);
        }
        this.canonical = ResourceUris.canonical(this.resourceUri);
    }

    public static TokenScope device(String hubHost, String deviceId) {
        return new TokenScope(ScopeKind.DEVICE, host(hubHost), required("deviceId", deviceId), null, null, null);
    }

    public static TokenScope module(String hubHost, String deviceId, String moduleId) {
        return new TokenScope(ScopeKind.MODULE, host(hubHost), required("deviceId", deviceId),
                required("moduleId", moduleId), null, null);
    }

    public static TokenScope dpsRegistration(String idScope, String registrationId) {
        return new TokenScope(ScopeKind.DPS_REGISTRATION, null, null, null, required("idScope", idScope),
                required("registrationId", registrationId));
    }

    private static String host(String hubHost) {
        return required("hubHost", hubHost).toLowerCase(Locale.ROOT);
    }

    private static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        String trimmed = value.trim();
        for (int i = 0; i < trimmed.length(); i++) {
            if (Character.isISOControl(trimmed.charAt(i)) || Character.isWhitespace(trimmed.charAt(i))) {
                throw new IllegalArgumentException(name + " must not contain whitespace or control characters");
            }
        }
        return trimmed;
    }

    public ScopeKind kind() {
        return this.kind;
    }

    /** Lower-cased hub host name; null for DPS scopes. */
    public String hubHost() {
        return this.hubHost;
    }

    public String deviceId() {
        return this.deviceId;
    }

    public String moduleId() {
        return this.moduleId;
    }

    public String idScope() {
        return this.idScope;
    }

    public String registrationId() {
        return this.registrationId;
    }

    /** The resource as the Java SDK writes it into {@code sr}: literal slashes, URL-encoded id segments. */
    public String resourceUri() {
        return this.resourceUri;
    }

    /** The resource as Microsoft's docs write it into {@code sr}: lower-cased, then fully URL-encoded. */
    public String encodedAudience() {
        return ResourceUris.encodeSegment(this.canonical);
    }

    /** True when a token's {@code sr} value names this scope under IoT Hub's comparison rules. */
    public boolean matchesAudience(String sr) {
        return sr != null && this.canonical.equals(ResourceUris.canonical(sr));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenScope && ((TokenScope) o).canonical.equals(this.canonical)
                && ((TokenScope) o).kind == this.kind;
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.kind, this.canonical);
    }

    @Override
    public String toString() {
        return this.kind.name().toLowerCase(Locale.ROOT) + ":" + this.resourceUri;
    }
}
