package io.azurekura.connector.api.token;

import java.util.Optional;

/**
 * IoT Hub's rules for device and module ids, and DPS's for registration ids: the one place every entry point (Kura
 * configuration, a DPS answer, a saved assignment, a token server's signer in tests) checks an id before it is used
 * in a URL, a token audience or a log line.
 *
 * <p>Device and module ids: 1 to 128 characters, ASCII letters and digits and {@code - : . + % _ # * ? ! ( ) , = @ ;
 * $ '} (IoT Hub's device identity rules; case-sensitive). {@code "."} and {@code ".."} are refused although made of
 * allowed characters: as a path segment of a REST URL they would address another resource. Registration ids: 1 to
 * 128 of ASCII letters, digits and {@code - . _ :} (DPS's rule), the same two names refused.
 *
 * <p>Hub host names: a DNS name alone (RFC 1035/1123: letters, digits and inner hyphens in labels of 1 to 63
 * characters, 253 in all). The Azure SDK appends the port itself and puts the host into the MQTT user name and the
 * token audience, so a scheme, port, path or user part would break all three.
 *
 * <p>Problem texts never quote the id itself, only its length and the position and code of the first bad
 * character, so a forged id cannot put control characters or a second line into a log.
 */
public final class IdentityIds {

    public static final int MAX_LENGTH = 128;
    /** RFC 1035: 253 characters in text form, labels of at most 63. */
    public static final int MAX_HOST_NAME_LENGTH = 253;
    private static final int MAX_HOST_LABEL_LENGTH = 63;

    private static final String HUB_ID_SPECIALS = "-:.+%_#*?!(),=@;$'";
    private static final String REGISTRATION_ID_SPECIALS = "-._:";

    private IdentityIds() {
    }

    /** Why {@code id} is not a valid IoT Hub device or module id, or empty when it is. */
    public static Optional<String> deviceIdProblem(String id) {
        return problem(id, HUB_ID_SPECIALS);
    }

    /** Why {@code id} is not a valid DPS registration id, or empty when it is. */
    public static Optional<String> registrationIdProblem(String id) {
        return problem(id, REGISTRATION_ID_SPECIALS);
    }

    /** Why {@code host} is not a usable IoT Hub host name (the host alone), or empty when it is. */
    public static Optional<String> hubHostNameProblem(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.of("is empty");
        }
        if (host.length() > MAX_HOST_NAME_LENGTH) {
            return Optional.of("is " + host.length() + " characters long (at most " + MAX_HOST_NAME_LENGTH + ")");
        }
        int labelStart = 0;
        for (int i = 0; i <= host.length(); i++) {
            char c = i < host.length() ? host.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length == 0) {
                    return Optional.of("has an empty label at position " + (i + 1));
                }
                if (length > MAX_HOST_LABEL_LENGTH) {
                    return Optional.of("has a label of " + length + " characters (at most " + MAX_HOST_LABEL_LENGTH
                            + ")");
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

    public static boolean isValidDeviceId(String id) {
        return deviceIdProblem(id).isEmpty();
    }

    public static boolean isValidRegistrationId(String id) {
        return registrationIdProblem(id).isEmpty();
    }

    private static Optional<String> problem(String id, String specials) {
        if (id == null || id.isEmpty()) {
            return Optional.of("is empty");
        }
        if (id.length() > MAX_LENGTH) {
            return Optional.of("is " + id.length() + " characters long (at most " + MAX_LENGTH + ")");
        }
        if (id.equals(".") || id.equals("..")) {
            return Optional.of("is a relative path segment ('.' or '..')");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean allowed = c < 128 && (Character.isLetterOrDigit(c) || specials.indexOf(c) >= 0);
            if (!allowed) {
                return Optional.of(String.format("has a character that is not allowed at position %d (U+%04X); "
                        + "allowed: ASCII letters, digits and %s", i + 1, (int) c, specials));
            }
        }
        return Optional.empty();
    }
}
