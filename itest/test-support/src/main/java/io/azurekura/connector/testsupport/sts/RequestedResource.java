package io.azurekura.connector.testsupport.sts;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The audience a client asked for, split into its parts. Clients send it plain
 * ({@code myhub.azure-devices.net/devices/dev1}) or URL-encoded, sometimes twice over, so the raw query value is
 * decoded until it stops changing.
 */
final class RequestedResource {

    enum Kind {
        DEVICE, MODULE, DPS_REGISTRATION
    }

    final Kind kind;
    /** The hub host name or the DPS ID scope. */
    final String scope;
    /** The device ID or the DPS registration ID. */
    final String id;
    /** The module ID, or null. */
    final String moduleId;

    private RequestedResource(Kind kind, String scope, String id, String moduleId) {
        this.kind = kind;
        this.scope = scope;
        this.id = id;
        this.moduleId = moduleId;
    }

    /**
     * The first value of {@code name} in a raw query string, still encoded, or null. Parsed by hand because a
     * decoding parser would turn {@code +} into a space, and {@code +} is legal in device IDs.
     */
    static String rawQueryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return eq < 0 ? "" : pair.substring(eq + 1);
            }
        }
        return null;
    }

    /** @return the decoded text, or null when it holds a broken percent escape */
    static String decode(String raw) {
        String current = raw;
        try {
            for (int i = 0; i < 3 && current.contains("%"); i++) {
                String decoded = URLDecoder.decode(current.replace("+", "%2B"), StandardCharsets.UTF_8);
                if (decoded.equals(current)) {
                    break;
                }
                current = decoded;
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return current;
    }

    /** The raw value and each successive decoding of it (at most three), without repeats or broken escapes. */
    static List<String> decodings(String raw) {
        List<String> spellings = new ArrayList<>();
        String current = raw;
        for (int i = 0; current != null && i < 4 && !spellings.contains(current); i++) {
            spellings.add(current);
            if (current.indexOf('%') < 0) {
                break;
            }
            try {
                current = URLDecoder.decode(current.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                break;
            }
        }
        return spellings;
    }

    /** @return the parts of a decoded audience, or null when it is none of the IoT Hub or DPS forms */
    static RequestedResource parse(String decoded) {
        if (decoded == null) {
            return null;
        }
        String[] segments = decoded.split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                return null;
            }
        }
        if (segments.length == 3 && segments[1].equalsIgnoreCase(StsProtocol.DEVICES_SEGMENT)) {
            return new RequestedResource(Kind.DEVICE, segments[0], segments[2], null);
        }
        if (segments.length == 5 && segments[1].equalsIgnoreCase(StsProtocol.DEVICES_SEGMENT)
                && segments[3].equalsIgnoreCase(StsProtocol.MODULES_SEGMENT)) {
            return new RequestedResource(Kind.MODULE, segments[0], segments[2], segments[4]);
        }
        if (segments.length == 3 && segments[1].equalsIgnoreCase(StsProtocol.REGISTRATIONS_SEGMENT)) {
            return new RequestedResource(Kind.DPS_REGISTRATION, segments[0], segments[2], null);
        }
        return null;
    }
}
