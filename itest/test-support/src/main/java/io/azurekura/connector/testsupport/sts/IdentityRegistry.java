package io.azurekura.connector.testsupport.sts;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.azurekura.connector.testsupport.sas.IotHubIdRule;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * The identities the token server may sign for, and their keys. Host names and ID scopes are DNS-like and compared
 * case-insensitively, as are DPS registration IDs (DPS documents them as case-insensitive). IoT Hub device and
 * module IDs are case-sensitive; an exact match wins, but a unique case-insensitive one is accepted too, because a
 * client following Microsoft's docs lower-cases the whole audience before asking.
 */
final class IdentityRegistry {

    /** What to sign: the audience as the service names it, and the key. */
    static final class SigningIdentity {
        final String resource;
        final String base64Key;
        final boolean dps;

        SigningIdentity(String resource, String base64Key, boolean dps) {
            this.resource = resource;
            this.base64Key = base64Key;
            this.dps = dps;
        }
    }

    /** Keyed by the lower-cased audience. */
    private final Map<String, List<SigningIdentity>> hubIdentities = new ConcurrentHashMap<>();
    /** Keyed by the lower-cased audience. */
    private final Map<String, SigningIdentity> individualEnrollments = new ConcurrentHashMap<>();
    /** Keyed by the lower-cased ID scope; the value is the group key. */
    private final Map<String, String> groupEnrollments = new ConcurrentHashMap<>();

    void addDevice(String hubHost, String deviceId, String base64Key) {
        requireText(hubHost, "hub host");
        IotHubIdRule.require(deviceId, "device ID");
        addHubIdentity(lower(hubHost) + "/" + StsProtocol.DEVICES_SEGMENT + "/" + deviceId,
                checkedKey(base64Key, "device " + deviceId));
    }

    void addModule(String hubHost, String deviceId, String moduleId, String base64Key) {
        requireText(hubHost, "hub host");
        IotHubIdRule.require(deviceId, "device ID");
        IotHubIdRule.require(moduleId, "module ID");
        addHubIdentity(lower(hubHost) + "/" + StsProtocol.DEVICES_SEGMENT + "/" + deviceId + "/"
                + StsProtocol.MODULES_SEGMENT + "/" + moduleId, checkedKey(base64Key, "module " + moduleId));
    }

    void addIndividualEnrollment(String idScope, String registrationId, String base64Key) {
        requireText(idScope, "ID scope");
        requireText(registrationId, "registration ID");
        String resource = lower(idScope) + "/" + StsProtocol.REGISTRATIONS_SEGMENT + "/" + registrationId;
        this.individualEnrollments.put(lower(resource),
                new SigningIdentity(resource, checkedKey(base64Key, "registration " + registrationId), true));
    }

    void addGroupEnrollment(String idScope, String base64GroupKey) {
        requireText(idScope, "ID scope");
        this.groupEnrollments.put(lower(idScope), checkedKey(base64GroupKey, "group of scope " + idScope));
    }

    private void addHubIdentity(String resource, String base64Key) {
        this.hubIdentities.compute(lower(resource), (k, existing) -> {
            List<SigningIdentity> list = existing == null ? new ArrayList<>() : new ArrayList<>(existing);
            list.removeIf(identity -> identity.resource.equals(resource));
            list.add(new SigningIdentity(resource, base64Key, false));
            return List.copyOf(list);
        });
    }

    /** @return the identity to sign for, or null when none is registered */
    SigningIdentity find(RequestedResource requested) {
        if (requested.kind == RequestedResource.Kind.DPS_REGISTRATION) {
            String resource = lower(requested.scope) + "/" + StsProtocol.REGISTRATIONS_SEGMENT + "/" + requested.id;
            SigningIdentity individual = this.individualEnrollments.get(lower(resource));
            if (individual != null) {
                return individual;
            }
            String groupKey = this.groupEnrollments.get(lower(requested.scope));
            // DPS derives each device's key from the group key and the registration ID as the device sends it.
            return groupKey == null ? null
                    : new SigningIdentity(resource, SasSigner.deriveDeviceKey(groupKey, requested.id), true);
        }
        String resource = lower(requested.scope) + "/" + StsProtocol.DEVICES_SEGMENT + "/" + requested.id
                + (requested.moduleId == null ? ""
                        : "/" + StsProtocol.MODULES_SEGMENT + "/" + requested.moduleId);
        List<SigningIdentity> candidates = this.hubIdentities.get(lower(resource));
        if (candidates == null) {
            return null;
        }
        for (SigningIdentity candidate : candidates) {
            if (candidate.resource.equals(resource)) {
                return candidate;
            }
        }
        return candidates.size() == 1 ? candidates.get(0) : null;
    }

    private static String checkedKey(String base64Key, String owner) {
        if (base64Key == null || base64Key.isEmpty()) {
            throw new IllegalArgumentException("no key given for " + owner);
        }
        try {
            Base64.getDecoder().decode(base64Key);
        } catch (IllegalArgumentException e) {
            // The key itself stays out of the message.
            throw new IllegalArgumentException("the key for " + owner + " is not base64");
        }
        return base64Key;
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isEmpty() || value.contains("/")) {
            throw new IllegalArgumentException("invalid " + what + ": '" + value + "'");
        }
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
