package io.azurekura.connector.cloud.message;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a publisher turns KuraMessages into telemetry: the body encoding, the content type and encoding of raw
 * bodies, and the application properties added to every message. Immutable.
 */
public final class PublishOptions {

    /** What a publisher without configuration does, and what {@code CloudEndpoint.publish} uses. */
    public static final PublishOptions DEFAULTS = new PublishOptions(BodyEncoding.JSON, null, null, Map.of(),
            List.of());

    private final BodyEncoding encoding;
    private final String rawContentType;
    private final String rawContentEncoding;
    private final Map<String, String> applicationProperties;
    private final List<String> problems;

    public PublishOptions(BodyEncoding encoding, String rawContentType, String rawContentEncoding,
            Map<String, String> applicationProperties, List<String> problems) {
        this.encoding = Objects.requireNonNull(encoding, "encoding");
        this.rawContentType = blankToNull(rawContentType);
        this.rawContentEncoding = blankToNull(rawContentEncoding);
        this.applicationProperties = Collections.unmodifiableMap(new LinkedHashMap<>(applicationProperties));
        this.problems = List.copyOf(problems);
    }

    public BodyEncoding encoding() {
        return this.encoding;
    }

    /** Content type of raw bodies, or null for none. */
    public String rawContentType() {
        return this.rawContentType;
    }

    /** Content encoding of raw bodies, or null for none. */
    public String rawContentEncoding() {
        return this.rawContentEncoding;
    }

    /** Added to every message; a KuraMessage property of the same name takes precedence. */
    public Map<String, String> applicationProperties() {
        return this.applicationProperties;
    }

    /** What was wrong with the configuration these options came from (the rest was applied). */
    public List<String> problems() {
        return this.problems;
    }

    /**
     * Parses {@code name=value} pairs separated by {@code ;} (or new lines), e.g. {@code site=plant-9; line=3}.
     * Blank entries are skipped; malformed or reserved ones are reported in {@code problems} and skipped.
     */
    public static Map<String, String> parseApplicationProperties(String text, List<String> problems) {
        Map<String, String> properties = new LinkedHashMap<>();
        if (text == null) {
            return properties;
        }
        for (String entry : text.split("[;\\n]")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            String name = equals < 0 ? "" : trimmed.substring(0, equals).trim();
            if (name.isEmpty()) {
                problems.add("application property '" + trimmed + "' is not name=value; ignored");
            } else if (TelemetryMapper.isReservedName(name)) {
                problems.add("application property '" + name + "' is reserved by IoT Hub or this connector; "
                        + "ignored");
            } else {
                properties.put(name, trimmed.substring(equals + 1).trim());
            }
        }
        return properties;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
