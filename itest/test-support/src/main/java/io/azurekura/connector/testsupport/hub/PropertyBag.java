package io.azurekura.connector.testsupport.hub;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The property bag IoT Hub carries at the end of MQTT message topics: {@code k1=v1&k2=v2}, keys and values
 * URL-encoded; system properties are keyed {@code $.xx}. The Java SDK writes system keys with a literal {@code $} and
 * encodes spaces as {@code %20} (MqttMessaging); IoT Hub writes them as {@code %24.xx} towards the device, and the SDK
 * starts parsing at the first {@code %24} (Mqtt.constructMessage), so a C2D bag always begins with a system key.
 */
record PropertyBag(Map<String, String> systemProperties, Map<String, String> applicationProperties) {

    PropertyBag {
        systemProperties = Collections.unmodifiableMap(systemProperties);
        applicationProperties = Collections.unmodifiableMap(applicationProperties);
    }

    /**
     * @param bag the text after {@code .../messages/events/}; a module's topic ends with an extra {@code /}
     * @throws IllegalArgumentException on an escape that is not valid percent-encoded UTF-8
     */
    static PropertyBag parse(String bag) {
        Map<String, String> system = new LinkedHashMap<>();
        Map<String, String> application = new LinkedHashMap<>();
        String text = bag.endsWith("/") ? bag.substring(0, bag.length() - 1) : bag;
        if (!text.isEmpty()) {
            for (String pair : text.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = percentDecode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1));
                if (key.startsWith(IotHubMqttTopics.SYSTEM_PROPERTY_PREFIX)) {
                    system.put(key, value);
                } else {
                    application.put(key, value);
                }
            }
        }
        return new PropertyBag(system, application);
    }

    /** Writes a C2D bag as IoT Hub does: system keys first as {@code %24.xx}, then application properties. */
    static String format(Map<String, String> systemProperties, Map<String, String> applicationProperties) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> property : systemProperties.entrySet()) {
            append(out, "%24." + property.getKey().substring(IotHubMqttTopics.SYSTEM_PROPERTY_PREFIX.length()),
                    property.getValue());
        }
        for (Map.Entry<String, String> property : applicationProperties.entrySet()) {
            append(out, encode(property.getKey()), property.getValue());
        }
        return out.toString();
    }

    private static void append(StringBuilder out, String encodedKey, String value) {
        if (out.length() > 0) {
            out.append('&');
        }
        out.append(encodedKey).append('=').append(encode(value));
    }

    /** URL-encoding with {@code %20} for spaces, as the SDK writes and expects. */
    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Decodes {@code %XX} escapes only: a literal {@code +} stays a plus (the SDK writes {@code %20} for space). */
    static String percentDecode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            int c = text.codePointAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw new IllegalArgumentException("truncated escape in property bag");
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape in property bag");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] encoded = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
                i += Character.charCount(c) - 1;
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
