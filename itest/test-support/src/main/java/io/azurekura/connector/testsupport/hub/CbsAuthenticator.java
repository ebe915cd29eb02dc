package io.azurekura.connector.testsupport.hub;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * Checks a CBS put-token request the way IoT Hub does (docs/azure-sdk.md "AMQP renewal on the open connection"):
 * application properties
 * {@code operation=put-token}, {@code type=servicebus.windows.net:sastoken}, {@code name={host}/devices/{deviceId}};
 * body a SAS token for that device, or for one of its modules (the SDK sends the device's name for modules too, so
 * the token's {@code sr} says which), signed with the registered key, not expired.
 */
final class CbsAuthenticator {

    /**
     * Either an authorized identity with its token's expiry, or the answer to send instead.
     *
     * @param status 200, 400 (not a put-token request IoT Hub understands) or 401 (refused credentials)
     * @param refusal why a 401 was sent; null otherwise
     * @param clientId the identity the request was about as far as it could be told (for counting), or null
     */
    record Outcome(DeviceRegistry.Identity identity, long tokenExpiryEpochSeconds, int status, ConnectRefusal refusal,
            String description, String clientId) {

        boolean accepted() {
            return this.status == IotHubAmqp.STATUS_OK;
        }

        static Outcome badRequest(String description, String clientId) {
            return new Outcome(null, 0, IotHubAmqp.STATUS_BAD_REQUEST, null, description, clientId);
        }

        static Outcome unauthorized(ConnectRefusal refusal, String description, String clientId) {
            return new Outcome(null, 0, IotHubAmqp.STATUS_UNAUTHORIZED, refusal, description, clientId);
        }
    }

    private final DeviceRegistry registry;
    private final Supplier<Set<String>> acceptedHosts;

    CbsAuthenticator(DeviceRegistry registry, Supplier<Set<String>> acceptedHosts) {
        this.registry = registry;
        this.acceptedHosts = acceptedHosts;
    }

    Outcome authenticate(String operation, String type, String name, String token, long nowEpochSeconds) {
        if (!IotHubAmqp.PUT_TOKEN.equals(operation)) {
            return Outcome.badRequest("unsupported CBS operation '" + operation + "'", null);
        }
        if (!IotHubAmqp.SAS_TOKEN_TYPE.equals(type)) {
            return Outcome.badRequest("unsupported token type '" + type + "'", null);
        }
        String[] hostAndDevice = IotHubAmqp.parseCbsName(name);
        if (hostAndDevice == null) {
            return Outcome.badRequest("the name must be {host}/devices/{deviceId}", null);
        }
        String nameHost = acceptedHost(hostAndDevice[0]);
        String deviceId = hostAndDevice[1];
        if (nameHost == null) {
            return Outcome.unauthorized(ConnectRefusal.WRONG_AUDIENCE, "unknown hub host " + hostAndDevice[0],
                    deviceId);
        }
        if (token == null || token.isEmpty()) {
            return Outcome.unauthorized(ConnectRefusal.MISSING_TOKEN, "no token in the body", deviceId);
        }
        SasVerifier.Parsed parsed = SasVerifier.parse(token);
        if (parsed == null) {
            return Outcome.unauthorized(ConnectRefusal.MALFORMED_TOKEN, "malformed SAS token", deviceId);
        }
        String moduleId;
        try {
            moduleId = moduleNamedBy(parsed.resource, deviceId);
        } catch (IllegalArgumentException e) {
            return Outcome.unauthorized(ConnectRefusal.WRONG_AUDIENCE,
                    "the token's audience is neither the device nor one of its modules", deviceId);
        }
        String clientId = DeviceRegistry.clientId(deviceId, moduleId);
        DeviceRegistry.Identity identity = this.registry.find(clientId);
        if (identity == null) {
            return Outcome.unauthorized(ConnectRefusal.UNKNOWN_IDENTITY, "no such identity " + clientId, clientId);
        }
        SasVerifier.Verdict verdict = SasVerifier.Verdict.WRONG_AUDIENCE;
        for (String host : hostsToTry(nameHost)) {
            verdict = SasVerifier.verify(token, IotHubMqttTopics.audience(host, identity.deviceId(),
                    identity.moduleId()), identity.base64Key(), nowEpochSeconds);
            if (verdict != SasVerifier.Verdict.WRONG_AUDIENCE) {
                break;
            }
        }
        switch (verdict) {
        case OK:
            return new Outcome(identity, parsed.expiryEpochSeconds, IotHubAmqp.STATUS_OK, null, "OK", clientId);
        case MALFORMED:
            return Outcome.unauthorized(ConnectRefusal.MALFORMED_TOKEN, "malformed SAS token", clientId);
        case WRONG_AUDIENCE:
            return Outcome.unauthorized(ConnectRefusal.WRONG_AUDIENCE, "the token is for another hub", clientId);
        case BAD_SIGNATURE:
            // IoT Hub's wording (seen in azure-iot-sdk-csharp #886)
            return Outcome.unauthorized(ConnectRefusal.BAD_SIGNATURE, "The specified SAS token has an invalid "
                    + "signature. It does not match either the primary or secondary key.", clientId);
        case EXPIRED:
        default:
            return Outcome.unauthorized(ConnectRefusal.EXPIRED_TOKEN, "The specified SAS token is expired.",
                    clientId);
        }
    }

    /**
     * The module a token for the named device is about: null for the device itself.
     *
     * @throws IllegalArgumentException when the audience names another device (or nothing IoT Hub knows)
     */
    private static String moduleNamedBy(String resource, String deviceId) {
        String decoded = resource;
        for (int i = 0; i < 3 && decoded.contains("%"); i++) {
            decoded = URLDecoder.decode(decoded.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        String device = "/devices/" + deviceId;
        int at = decoded.toLowerCase(Locale.ROOT).indexOf(device.toLowerCase(Locale.ROOT));
        if (at <= 0) {
            throw new IllegalArgumentException("not this device");
        }
        String rest = decoded.substring(at + device.length());
        if (rest.isEmpty()) {
            return null;
        }
        if (rest.startsWith("/modules/") && rest.length() > "/modules/".length()
                && rest.indexOf('/', "/modules/".length()) < 0) {
            return rest.substring("/modules/".length());
        }
        throw new IllegalArgumentException("not this device");
    }

    private String acceptedHost(String host) {
        for (String accepted : this.acceptedHosts.get()) {
            if (accepted.equalsIgnoreCase(host)) {
                return accepted;
            }
        }
        return null;
    }

    /** The name's host first; the other accepted names are aliases of the same emulated hub. */
    private List<String> hostsToTry(String nameHost) {
        List<String> hosts = new ArrayList<>();
        hosts.add(nameHost);
        for (String host : this.acceptedHosts.get()) {
            if (!host.equalsIgnoreCase(nameHost)) {
                hosts.add(host);
            }
        }
        return hosts;
    }
}
