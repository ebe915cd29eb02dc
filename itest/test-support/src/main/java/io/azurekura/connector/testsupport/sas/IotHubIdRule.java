package io.azurekura.connector.testsupport.sas;

/**
 * IoT Hub's rule for device and module ids, stated here independently of the connector's own statement of it (the
 * emulators must not trust the code they test; a test cross-checks the two): 1 to 128 characters, case-sensitive,
 * ASCII letters and digits and {@code - : . + % _ # * ? ! ( ) , = @ ; $ '}. {@code "."} and {@code ".."} are
 * refused too: as a path segment they would address another resource. See docs/iot-hub-amqp.md "Ids".
 */
public final class IotHubIdRule {

    public static final int MAX_LENGTH = 128;
    /** Every character besides ASCII letters and digits that an id may hold. */
    public static final String SPECIAL_CHARACTERS = "-:.+%_#*?!(),=@;$'";

    private IotHubIdRule() {
    }

    public static boolean isValid(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH || id.equals(".") || id.equals("..")) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (!isAllowed(id.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    public static boolean isAllowed(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || SPECIAL_CHARACTERS.indexOf(c) >= 0;
    }

    /** @throws IllegalArgumentException naming only the kind of id and its length, never its text */
    public static String require(String id, String what) {
        if (!isValid(id)) {
            throw new IllegalArgumentException(what + " is not a valid IoT Hub id (length "
                    + (id == null ? "null" : String.valueOf(id.length())) + "): 1-" + MAX_LENGTH
                    + " ASCII letters, digits and " + SPECIAL_CHARACTERS);
        }
        return id;
    }
}
