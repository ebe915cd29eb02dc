package io.azurekura.connector.testsupport.hub;

import java.util.Locale;

/**
 * IoT Hub's MQTT topic names, in one place (docs/iot-hub-mqtt.md "Topics"; Microsoft's "Communicate with
 * an IoT hub using the MQTT protocol"). A device uses {@code devices/{deviceId}/...}; a module uses
 * {@code devices/{deviceId}/modules/{moduleId}/...}.
 */
final class IotHubMqttTopics {

    /** IoT Hub speaks MQTT 3.1.1 only: protocol level 4 in CONNECT. */
    static final int MQTT_3_1_1 = 4;

    /** The username's query must carry an api-version ({@code {host}/{clientId}/?api-version=2020-09-30&...}). */
    static final String API_VERSION_PARAMETER = "api-version";

    static final String TWIN_RESPONSE_FILTER = "$iothub/twin/res/#";
    static final String TWIN_DESIRED_FILTER = "$iothub/twin/PATCH/properties/desired/#";
    static final String METHODS_FILTER = "$iothub/methods/POST/#";

    static final String TWIN_GET_PREFIX = "$iothub/twin/GET/";
    static final String TWIN_PATCH_REPORTED_PREFIX = "$iothub/twin/PATCH/properties/reported/";
    static final String METHOD_RESPONSE_PREFIX = "$iothub/methods/res/";

    /** Request id parameter of twin and method topics. */
    static final String REQUEST_ID = "$rid";
    static final String VERSION = "$version";

    /** IoT Hub's C2D messages always carry a message id and {@code $.to}; the SDK parses from the first {@code %24}. */
    static final String SYSTEM_PROPERTY_PREFIX = "$.";
    static final String MESSAGE_ID = "$.mid";
    static final String TO = "$.to";
    static final String CONTENT_TYPE = "$.ct";
    static final String CONTENT_ENCODING = "$.ce";

    private IotHubMqttTopics() {
    }

    /** {@code devices/{d}} or {@code devices/{d}/modules/{m}}: the root of every per-identity topic. */
    static String identityRoot(String deviceId, String moduleId) {
        return moduleId == null ? "devices/" + deviceId : "devices/" + deviceId + "/modules/" + moduleId;
    }

    /** Telemetry goes to {@code {root}/messages/events/} followed by the URL-encoded property bag. */
    static String telemetryPrefix(String deviceId, String moduleId) {
        return identityRoot(deviceId, moduleId) + "/messages/events/";
    }

    /** The filter the SDK subscribes to right after every CONNACK. */
    static String cloudToDeviceFilter(String deviceId, String moduleId) {
        return identityRoot(deviceId, moduleId) + "/messages/devicebound/#";
    }

    static String cloudToDevicePrefix(String deviceId) {
        return identityRoot(deviceId, null) + "/messages/devicebound/";
    }

    /** The service-side {@code $.to} of a C2D message, as IoT Hub writes it. */
    static String cloudToDeviceAddress(String deviceId) {
        return "/devices/" + deviceId + "/messages/deviceBound";
    }

    static String methodRequestTopic(String methodName, String requestId) {
        return "$iothub/methods/POST/" + methodName + "/?" + REQUEST_ID + "=" + requestId;
    }

    static String twinResponseTopic(int status, String requestId, Long version) {
        return "$iothub/twin/res/" + status + "/?" + REQUEST_ID + "=" + requestId
                + (version == null ? "" : "&" + VERSION + "=" + version);
    }

    static String desiredPatchTopic(long version) {
        return "$iothub/twin/PATCH/properties/desired/?" + VERSION + "=" + version;
    }

    /**
     * The audience a device or module token must carry ({@code sr}): {@code {host}/devices/{d}[/modules/{m}]}. The
     * verifier compares it after URL-decoding and case-insensitively, as IoT Hub does.
     */
    static String audience(String host, String deviceId, String moduleId) {
        return host + "/" + identityRoot(deviceId, moduleId);
    }

    /** MQTT topic-filter matching: {@code +} one level, {@code #} the rest (MQTT 3.1.1 §4.7). */
    static boolean matches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /** The value of one parameter in a {@code ?a=b&c=d} tail, or null. */
    static String queryParameter(String topicOrQuery, String name) {
        int q = topicOrQuery.indexOf('?');
        String query = q < 0 ? topicOrQuery : topicOrQuery.substring(q + 1);
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return eq < 0 ? "" : pair.substring(eq + 1);
            }
        }
        return null;
    }
}
