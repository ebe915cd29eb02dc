package io.azurekura.connector.api.token;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * IoT Hub's audience rules. The hub accepts {@code sr} both as the SDK writes it ({@code host/devices/dev%231}) and
 * fully URL-encoded ({@code host%2fdevices%2fdev%25231}), and compares lower-case; canonicalising both sides the
 * same way makes every accepted spelling compare equal.
 */
final class ResourceUris {

    private ResourceUris() {
    }

    static String encodeSegment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Decodes until stable (at most three layers), then lower-cases. */
    static String canonical(String resource) {
        String current = resource;
        for (int i = 0; i < 3 && current.indexOf('%') >= 0; i++) {
            String decoded;
            try {
                decoded = URLDecoder.decode(current.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                break;
            }
            if (decoded.equals(current)) {
                break;
            }
            current = decoded;
        }
        return current.toLowerCase(Locale.ROOT);
    }
}
