package io.azurekura.connector.hub.identity;

import java.util.Optional;

/**
 * What the Azure SDK can use as an IoT Hub host: a DNS name alone. The SDK appends the port itself
 * ({@code ssl://host:8883}, AMQPS 5671) and puts the host into the MQTT user name and token audience, so a scheme,
 * port, path or user part would break all three. Problem texts never quote the host (it may come from a DPS answer
 * or a snapshot): only its length and the position and code of the first bad character.
 */
public final class HubHostNames {

    /** RFC 1035: 253 characters in text form, labels of at most 63. */
    public static final int MAX_LENGTH = 253;
    private static final int MAX_LABEL = 63;

    private HubHostNames() {
    }

    /** Why {@code host} is not a usable IoT Hub host name, or empty when it is. */
    public static Optional<String> problem(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.of("is empty");
        }
        if (host.length() > MAX_LENGTH) {
            return Optional.of("is " + host.length() + " characters long (at most " + MAX_LENGTH + ")");
        }
        int labelStart = 0;
        for (int i = 0; i <= host.length(); i++) {
            char c = i < host.length() ? host.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length == 0) {
                    return Optional.of("has an empty label at position " + (i + 1));
                }
                if (length > MAX_LABEL) {
                    return Optional.of("has a label of " + length + " characters (at most " + MAX_LABEL + ")");
                }
                if (host.charAt(labelStart) == '-' || host.charAt(i - 1) == '-') {
                    return Optional.of("has a label that starts or ends with '-' at position " + (labelStart + 1));
                }
                labelStart = i + 1;
            } else if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '-'))) {
                String hint = c == ':' || c == '/' || c == '@' ? " (no scheme, port, path or user: the host alone)"
                        : "";
                return Optional.of(String.format("has a character that is not allowed at position %d (U+%04X)%s",
                        i + 1, (int) c, hint));
            }
        }
        return Optional.empty();
    }
}
