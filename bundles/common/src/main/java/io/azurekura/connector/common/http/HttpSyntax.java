package io.azurekura.connector.common.http;

/** HTTP/1.1 field syntax (RFC 9110 §5.1, §5.5): what may be written into a request line and header. */
public final class HttpSyntax {

    private static final String TOKEN_SPECIALS = "!#$%&'*+-.^_`|~";

    private HttpSyntax() {
    }

    /** A field name or other token: visible ASCII letters, digits and {@code !#$%&'*+-.^_`|~}, not empty. */
    public static boolean isToken(CharSequence text) {
        if (text == null || text.length() == 0) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || TOKEN_SPECIALS.indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A field value we are willing to send: visible ASCII and inner spaces or tabs, no leading or trailing white
     * space (a pasted secret often ends in a line break), no control character, nothing beyond ASCII.
     */
    public static boolean isFieldValue(CharSequence text) {
        if (text == null) {
            return false;
        }
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            boolean visible = c > 0x20 && c < 0x7f;
            boolean innerBlank = (c == ' ' || c == '\t') && i > 0 && i < length - 1;
            if (!visible && !innerBlank) {
                return false;
            }
        }
        return true;
    }
}
