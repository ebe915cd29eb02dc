package io.azurekura.connector.testsupport.hub;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.qpid.proton.amqp.Symbol;

/**
 * IoT Hub's AMQP 1.0 names and codes, in one place (docs/azure-sdk.md "AMQP renewal on the open connection": the SDK's
 * AmqpsIotHubConnection, AmqpsCbsSenderLinkHandler / AmqpsCbsReceiverLinkHandler and the telemetry link handlers).
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
    /** {@code {host}/devices/{deviceId}}, for modules too (the token's {@code sr} names the module). */
    static final String NAME = "name";
    /** The SDK reads it with {@code instanceof Integer}: it must be an AMQP int, nothing wider. */
    static final String STATUS_CODE = "status-code";
    static final String STATUS_DESCRIPTION = "status-description";
    static final int STATUS_OK = 200;
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

    /** Telemetry a device or module sends: the target of its sender link. */
    private static final Pattern TELEMETRY = Pattern.compile("/devices/([^/]+)(?:/modules/([^/]+))?/messages/events");
    /**
     * Cloud-to-device messages a device receives: the source of its receiver link. The SDK opens the same link for
     * modules, which IoT Hub accepts although it never sends modules anything on it.
     */
    private static final Pattern CLOUD_TO_DEVICE = Pattern.compile(
            "/devices/([^/]+)(?:/modules/([^/]+))?/messages/devicebound");
    /** {@code {host}/devices/{deviceId}}: the CBS {@code name} property. */
    private static final Pattern CBS_NAME = Pattern.compile("([^/]+)/devices/([^/]+)");

    /** Message annotations and application properties the SDK adds, mapped to the MQTT system property keys. */
    static final String CREATION_TIME = "iothub-creation-time-utc";
    static final String CONNECTION_DEVICE_ID = "iothub-connection-device-id";
    static final String CONNECTION_MODULE_ID = "iothub-connection-module-id";

    private IotHubAmqp() {
    }

    /** The device (and module) a link address names, or null when it is none of IoT Hub's device addresses. */
    record LinkAddress(String deviceId, String moduleId, boolean telemetry) {

        String clientId() {
            return DeviceRegistry.clientId(this.deviceId, this.moduleId);
        }
    }

    static LinkAddress telemetryAddress(String address) {
        Matcher m = address == null ? null : TELEMETRY.matcher(address);
        return m != null && m.matches() ? new LinkAddress(m.group(1), m.group(2), true) : null;
    }

    static LinkAddress cloudToDeviceAddress(String address) {
        Matcher m = address == null ? null : CLOUD_TO_DEVICE.matcher(address);
        return m != null && m.matches() ? new LinkAddress(m.group(1), m.group(2), false) : null;
    }

    static String telemetryAddress(String deviceId, String moduleId) {
        return "/" + IotHubMqttTopics.identityRoot(deviceId, moduleId) + "/messages/events";
    }

    /** @return {host, deviceId}, or null when the name is not {@code {host}/devices/{deviceId}} */
    static String[] parseCbsName(String name) {
        Matcher m = name == null ? null : CBS_NAME.matcher(name);
        return m != null && m.matches() ? new String[] { m.group(1), m.group(2) } : null;
    }
}
