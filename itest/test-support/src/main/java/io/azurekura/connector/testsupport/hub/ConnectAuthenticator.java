package io.azurekura.connector.testsupport.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * Checks a CONNECT the way IoT Hub does for SAS authentication (docs/iot-hub-mqtt.md "CONNECT"): client id =
 * {@code deviceId} or {@code deviceId/moduleId}; username = {@code {host}/{clientId}/?api-version=...} (more query
 * parameters allowed, e.g. DeviceClientType, model-id); password = a SAS token signed with the registered key for
 * audience {@code {host}/devices/{d}[/modules/{m}]}, not expired.
 */
final class ConnectAuthenticator {

    /** Either an accepted identity with the token's expiry, or the refusal. */
    record Outcome(DeviceRegistry.Identity identity, long tokenExpiryEpochSeconds, ConnectRefusal refusal) {

        boolean accepted() {
            return this.refusal == null;
        }

        static Outcome refused(ConnectRefusal refusal) {
            return new Outcome(null, 0, refusal);
        }
    }

    private final DeviceRegistry registry;
    private final Supplier<Set<String>> acceptedHosts;

    ConnectAuthenticator(DeviceRegistry registry, Supplier<Set<String>> acceptedHosts) {
        this.registry = registry;
        this.acceptedHosts = acceptedHosts;
    }

    Outcome authenticate(String clientId, String username, String password, long nowEpochSeconds) {
        String usernameHost = hostOf(clientId, username);
        if (usernameHost == null) {
            return Outcome.refused(ConnectRefusal.BAD_USERNAME);
        }
        DeviceRegistry.Identity identity = this.registry.find(clientId);
        if (identity == null) {
            return Outcome.refused(ConnectRefusal.UNKNOWN_IDENTITY);
        }
        if (password == null || password.isEmpty()) {
            return Outcome.refused(ConnectRefusal.MISSING_TOKEN);
        }
        SasVerifier.Parsed token = SasVerifier.parse(password);
        if (token == null) {
            return Outcome.refused(ConnectRefusal.MALFORMED_TOKEN);
        }
        SasVerifier.Verdict verdict = SasVerifier.Verdict.WRONG_AUDIENCE;
        for (String host : hostsToTry(usernameHost)) {
            verdict = SasVerifier.verify(password,
                    IotHubMqttTopics.audience(host, identity.deviceId(), identity.moduleId()), identity.base64Key(),
                    nowEpochSeconds);
            if (verdict != SasVerifier.Verdict.WRONG_AUDIENCE) {
                break;
            }
        }
        switch (verdict) {
        case OK:
            return new Outcome(identity, token.expiryEpochSeconds, null);
        case MALFORMED:
            return Outcome.refused(ConnectRefusal.MALFORMED_TOKEN);
        case WRONG_AUDIENCE:
            return Outcome.refused(ConnectRefusal.WRONG_AUDIENCE);
        case BAD_SIGNATURE:
            return Outcome.refused(ConnectRefusal.BAD_SIGNATURE);
        case EXPIRED:
        default:
            return Outcome.refused(ConnectRefusal.EXPIRED_TOKEN);
        }
    }

    /** The accepted host the username names, or null when the username is not this client's. */
    private String hostOf(String clientId, String username) {
        if (clientId == null || clientId.isEmpty() || username == null) {
            return null;
        }
        String lower = username.toLowerCase(Locale.ROOT);
        for (String host : this.acceptedHosts.get()) {
            String prefix = host.toLowerCase(Locale.ROOT) + "/";
            if (!lower.startsWith(prefix)) {
                continue;
            }
            String rest = username.substring(prefix.length());
            if (!rest.startsWith(clientId + "/?")) {
                return null;
            }
            String apiVersion = IotHubMqttTopics.queryParameter(rest.substring(clientId.length() + 2),
                    IotHubMqttTopics.API_VERSION_PARAMETER);
            return apiVersion == null || apiVersion.isEmpty() ? null : host;
        }
        return null;
    }

    /** The username's host first; the other accepted names are aliases of the same emulated hub. */
    private List<String> hostsToTry(String usernameHost) {
        List<String> hosts = new ArrayList<>();
        hosts.add(usernameHost);
        for (String host : this.acceptedHosts.get()) {
            if (!host.equalsIgnoreCase(usernameHost)) {
                hosts.add(host);
            }
        }
        return hosts;
    }
}
