package io.azurekura.connector.testsupport.hub;

import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The hub's identity registry: devices and modules with their symmetric keys, keyed by MQTT client id. */
final class DeviceRegistry {

    /** A registered device ({@code moduleId} null) or module. */
    record Identity(String deviceId, String moduleId, String base64Key) {

        String clientId() {
            return DeviceRegistry.clientId(this.deviceId, this.moduleId);
        }
    }

    private final Map<String, Identity> identities = new ConcurrentHashMap<>();

    static String clientId(String deviceId, String moduleId) {
        return moduleId == null ? deviceId : deviceId + "/" + moduleId;
    }

    void add(String deviceId, String moduleId, String base64Key) {
        requireId(deviceId, "deviceId");
        if (moduleId != null) {
            requireId(moduleId, "moduleId");
        }
        if (base64Key == null || Base64.getDecoder().decode(base64Key).length == 0) {
            throw new IllegalArgumentException("the key must be non-empty base64");
        }
        this.identities.put(clientId(deviceId, moduleId), new Identity(deviceId, moduleId, base64Key));
    }

    boolean remove(String deviceId, String moduleId) {
        return this.identities.remove(clientId(deviceId, moduleId)) != null;
    }

    Identity find(String clientId) {
        return clientId == null ? null : this.identities.get(clientId);
    }

    /**
     * The identity whose client id equals this one ignoring case, when exactly one does: an audience compares
     * case-insensitively, so a token whose {@code sr} was lower-cased still names its (case-sensitive) identity.
     */
    Identity findIgnoringCase(String clientId) {
        Identity exact = find(clientId);
        if (exact != null || clientId == null) {
            return exact;
        }
        Identity match = null;
        for (Identity candidate : this.identities.values()) {
            if (candidate.clientId().equalsIgnoreCase(clientId)) {
                if (match != null) {
                    return null;
                }
                match = candidate;
            }
        }
        return match;
    }

    private static void requireId(String id, String what) {
        // IoT Hub ids: up to 128 characters, no '/' (the client id separates device and module with it)
        if (id == null || id.isEmpty() || id.length() > 128 || id.contains("/")) {
            throw new IllegalArgumentException(what + " must be 1-128 characters without '/'");
        }
    }
}
