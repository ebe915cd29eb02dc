package io.azurekura.connector.testsupport.hub;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.qpid.proton.amqp.Symbol;

import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * IoT Hub's AMQP 1.0 names and codes, in one place (docs/iot-hub-amqp.md: the SDK's AmqpsIotHubConnection, its CBS,
 * telemetry, twin and methods link handlers, and what IoT Hub accepts from other official clients).
 */
final class IotHubAmqp {

    /** The SDK connects to this port and no other ({@code AMQP_PORT}, AmqpsIotHubConnection). */
    static final int PORT = 5671;

    /** Claims-based security: the node both CBS links attach to (sender target and receiver source). */
    static final String CBS_NODE = "$cbs";
    static final String OPERATION = "operation";
    static final String PUT_TOKEN = "put-token";
    static final String TYPE = "type";
    static final String SAS_TOKEN_TYPE = "servicebus.windows.net:sastoken";
    /**
     * The token's audience as the client holds it: {@code {host}/devices/{d}} (the Java SDK sends this for modules
     * too), {@code {host}/devices/{d}/modules/{m}}, either one URL-encoded (clients that sign their own tokens).
     */
    static final String NAME = "name";
    /** The SDK reads it with {@code instanceof Integer}: it must be an AMQP int, nothing wider. */
    static final String STATUS_CODE = "status-code";
    static final String STATUS_DESCRIPTION = "status-description";
    static final int STATUS_OK = 200;
    static final int STATUS_NO_CONTENT = 204;
    static final int STATUS_BAD_REQUEST = 400;
    static final int STATUS_UNAUTHORIZED = 401;

    /**
     * IoT Hub detaches a device's links with this condition when its token lapses ("Token Invalid.", seen in
     * azure-iot-sdk-java issues #180 and #365); the SDK maps it to AmqpUnauthorizedAccessException.
     */
    static final Symbol UNAUTHORIZED_ACCESS = Symbol.valueOf("amqp:unauthorized-access");
    static final String TOKEN_INVALID = "Token Invalid.";
    static final Symbol NOT_IMPLEMENTED = Symbol.valueOf("amqp:not-implemented");
    static final Symbol RESOURCE_LIMIT_EXCEEDED = Symbol.valueOf("amqp:resource-limit-exceeded");
    /** Another connection authenticated the same identity: IoT Hub keeps one connection per identity. */
    static final Symbol LINK_STOLEN = Symbol.valueOf("amqp:link:stolen");
    static final Symbol DETACH_FORCED = Symbol.valueOf("amqp:link:detach-forced");
    /**
     * The hub ends a connection with this (the SDK maps it to the retryable AmqpConnectionForcedException and
     * reconnects). A bare TCP close is not enough: proton-j leaves the socket in CLOSE-WAIT after the TLS
     * close_notify and the SDK notices only at its idle timeout.
     */
    static final Symbol CONNECTION_FORCED = Symbol.valueOf("amqp:connection:forced");

    /** SASL mechanism the SDK offers for SAS authentication; clients may also skip SASL altogether. */
    static final String SASL_ANONYMOUS = "ANONYMOUS";

    /**
     * Direct methods: the hub's request carries the method name in this application property and a UUID
     * correlation-id; the device answers on its sender link with the same correlation-id and the status here (int).
     */
    static final String METHOD_NAME = "IoThub-methodname";
    static final String METHOD_STATUS = "IoThub-status";
    /** Twin requests and responses: message annotations (the operation, the response status and version). */
    static final Symbol TWIN_OPERATION = Symbol.valueOf("operation");
    static final Symbol TWIN_RESOURCE = Symbol.valueOf("resource");
    static final Symbol TWIN_STATUS = Symbol.valueOf("status");
    static final Symbol TWIN_VERSION = Symbol.valueOf("version");
    static final String TWIN_GET = "GET";
    static final String TWIN_PATCH = "PATCH";
    static final String TWIN_PUT = "PUT";
    static final String TWIN_DELETE = "DELETE";

    /** What a device link address is for; {@code /devices/{d}[/modules/{m}]/...}. */
    enum LinkKind {
        /** Target of the client's sender: telemetry. */
        TELEMETRY("/messages/events"),
        /** Source of the client's receiver: cloud-to-device messages (modules open it too, never sent anything). */
        CLOUD_TO_DEVICE("/messages/devicebound"),
        /** Both directions: twin requests (client sender) and responses (client receiver). */
        TWIN("/twin"),
        /** Both directions: method requests (client receiver) and responses (client sender). */
        METHODS("/methods/devicebound");

        final String suffix;
        final Pattern pattern;

        LinkKind(String suffix) {
            this.suffix = suffix;
            this.pattern = Pattern.compile("/devices/([^/]+)(?:/modules/([^/]+))?" + Pattern.quote(suffix));
        }
    }

    /** The audience named by a CBS {@code name}, after percent-decoding once. */
    /** Longest CBS name looked at: host (255) plus two 128-character ids, fully percent-encoded, and the rest. */
    static final int MAX_NAME_LENGTH = 2048;

    /** Message annotations and application properties the SDK adds, mapped to the MQTT system property keys. */
    static final String CREATION_TIME = "iothub-creation-time-utc";
    static final String CONNECTION_DEVICE_ID = "iothub-connection-device-id";
    static final String CONNECTION_MODULE_ID = "iothub-connection-module-id";

    private IotHubAmqp() {
    }

    /** The device (and module) a link address names, and what the link is for. */
    record LinkAddress(String deviceId, String moduleId, LinkKind kind) {

        String clientId() {
            return DeviceRegistry.clientId(this.deviceId, this.moduleId);
        }

        /** The same address with its ids percent-decoded once (clients that encode ids in addresses), or null. */
        LinkAddress decoded() {
            String device = SasVerifier.decodeOnce(this.deviceId);
            String module = this.moduleId == null ? null
                    : SasVerifier.decodeOnce(this.moduleId);
            return device == null || this.moduleId != null && module == null ? null
                    : new LinkAddress(device, module, this.kind);
        }
    }

    /** @return the device address, or null when the address is none of IoT Hub's device link addresses */
    static LinkAddress linkAddress(String address) {
        if (address == null || address.length() > MAX_NAME_LENGTH) {
            return null;
        }
        for (LinkKind kind : LinkKind.values()) {
            Matcher m = kind.pattern.matcher(address);
            if (m.matches()) {
                return new LinkAddress(m.group(1), m.group(2), kind);
            }
        }
        return null;
    }

    static LinkAddress telemetryAddress(String address) {
        LinkAddress parsed = linkAddress(address);
        return parsed != null && parsed.kind() == LinkKind.TELEMETRY ? parsed : null;
    }

    static LinkAddress cloudToDeviceAddress(String address) {
        LinkAddress parsed = linkAddress(address);
        return parsed != null && parsed.kind() == LinkKind.CLOUD_TO_DEVICE ? parsed : null;
    }

    /** A device's or module's link address of the kind, ids as they are. */
    static String address(String deviceId, String moduleId, LinkKind kind) {
        return "/" + IotHubMqttTopics.identityRoot(deviceId, moduleId) + kind.suffix;
    }

    static String telemetryAddress(String deviceId, String moduleId) {
        return "/" + IotHubMqttTopics.identityRoot(deviceId, moduleId) + "/messages/events";
    }

    /** The identity a CBS name or a token audience names: a device ({@code moduleId} null) or a module. */
    record Audience(String host, String deviceId, String moduleId) {

        String clientId() {
            return DeviceRegistry.clientId(this.deviceId, this.moduleId);
        }
    }

    /**
     * Parses a CBS name or a token's {@code sr}, raw or URL-encoded (escapes in either case): percent-decoded once,
     * as IoT Hub does, then {@code {host}/devices/{d}[/modules/{m}]}. The fixed segments compare case-insensitively.
     *
     * @return the audience, or null when it is none of these forms (or too long, or a broken escape)
     */
    static Audience parseAudience(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return null;
        }
        String decoded = SasVerifier.decodeOnce(name);
        if (decoded == null) {
            return null;
        }
        String[] segments = decoded.split("/", -1);
        if ((segments.length == 3 || segments.length == 5) && segments[1].equalsIgnoreCase("devices")
                && (segments.length == 3 || segments[3].equalsIgnoreCase("modules"))) {
            for (String segment : segments) {
                if (segment.isEmpty()) {
                    return null;
                }
            }
            return new Audience(segments[0], segments[2], segments.length == 5 ? segments[4] : null);
        }
        return null;
    }
}
