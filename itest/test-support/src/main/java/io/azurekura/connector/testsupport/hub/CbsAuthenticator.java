package io.azurekura.connector.testsupport.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * Checks a CBS put-token request the way IoT Hub does (docs/iot-hub-amqp.md "CBS"): application properties
 * {@code operation=put-token}, {@code type=servicebus.windows.net:sastoken}, {@code name} = the audience the client
 * holds, and a body with a SAS token for it, signed with the registered key, not expired.
 * <p>
 * The name may be a device's ({@code {host}/devices/{d}}) or a module's ({@code .../modules/{m}}), raw or
 * URL-encoded in any case. A device's name with a token for one of its modules is accepted (the Java SDK sends that
 * for modules); any other disagreement between the name and the token's audience is refused. Every credential
 * problem is a 401 with a {@link ConnectRefusal}; only a request that is not a put-token at all is a 400.
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

    /** Descriptions name identities only once they are known to exist; nothing from the request is echoed. */
    Outcome authenticate(String operation, String type, String name, String token, long nowEpochSeconds) {
        if (!IotHubAmqp.PUT_TOKEN.equals(operation)) {
            return Outcome.badRequest("unsupported CBS operation", null);
        }
        if (!IotHubAmqp.SAS_TOKEN_TYPE.equals(type)) {
            return Outcome.badRequest("unsupported token type", null);
        }
        IotHubAmqp.Audience named = IotHubAmqp.parseAudience(name);
        if (named == null) {
            return Outcome.unauthorized(ConnectRefusal.BAD_CBS_NAME,
                    "the name must be {host}/devices/{deviceId}[/modules/{moduleId}], raw or URL-encoded", null);
        }
        if (acceptedHost(named.host()) == null) {
            return Outcome.unauthorized(ConnectRefusal.WRONG_AUDIENCE, "the name is for another hub", null);
        }
        if (token == null || token.isEmpty()) {
            return Outcome.unauthorized(ConnectRefusal.MISSING_TOKEN, "no token in the body", null);
        }
        SasVerifier.Parsed parsed = SasVerifier.parse(token);
        if (parsed == null) {
            return Outcome.unauthorized(ConnectRefusal.MALFORMED_TOKEN, "malformed SAS token", null);
        }
        IotHubAmqp.Audience audience = IotHubAmqp.parseAudience(parsed.resource);
        if (audience == null || acceptedHost(audience.host()) == null) {
            return Outcome.unauthorized(ConnectRefusal.WRONG_AUDIENCE,
                    "the token's audience is no device or module of this hub", null);
        }
        if (!nameCovers(named, audience)) {
            return Outcome.unauthorized(ConnectRefusal.WRONG_AUDIENCE,
                    "the token's audience is not the identity the name names", null);
        }
        DeviceRegistry.Identity identity = this.registry.findIgnoringCase(audience.clientId());
        if (identity == null) {
            return Outcome.unauthorized(ConnectRefusal.UNKNOWN_IDENTITY, "the token's audience is no registered "
                    + "device or module", null);
        }
        String clientId = identity.clientId();
        SasVerifier.Verdict verdict = SasVerifier.Verdict.WRONG_AUDIENCE;
        for (String host : hostsToTry(audience.host())) {
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

    /** The name is the identity's own, or its device's when the identity is a module (the Java SDK's way). */
    private static boolean nameCovers(IotHubAmqp.Audience named, IotHubAmqp.Audience audience) {
        if (!named.deviceId().equalsIgnoreCase(audience.deviceId())) {
            return false;
        }
        return named.moduleId() == null || named.moduleId().equalsIgnoreCase(audience.moduleId());
    }

    private String acceptedHost(String host) {
        for (String accepted : this.acceptedHosts.get()) {
            if (accepted.equalsIgnoreCase(host)) {
                return accepted;
            }
        }
        return null;
    }

    /** The audience's host first; the other accepted names are aliases of the same emulated hub. */
    private List<String> hostsToTry(String audienceHost) {
        List<String> hosts = new ArrayList<>();
        hosts.add(acceptedHost(audienceHost));
        for (String host : this.acceptedHosts.get()) {
            if (!host.equalsIgnoreCase(audienceHost)) {
                hosts.add(host);
            }
        }
        return hosts;
    }
}
