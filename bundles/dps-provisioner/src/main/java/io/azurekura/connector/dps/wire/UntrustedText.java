package io.azurekura.connector.dps.wire;

import io.azurekura.connector.common.redact.Redactor;

/**
 * Makes text that came from outside (DPS answers, the saved file, configuration) safe to put into a log line, a
 * status or an exception message: secrets redacted, every character a log viewer could take as a line break or a
 * control (C0 and C1 controls, DEL, U+2028/U+2029, bidirectional overrides) written as {@code \\uXXXX}, and the
 * length bounded. Escaping rather than dropping keeps a forged value recognisable as forged.
 */
public final class UntrustedText {

    /** Long enough for any legitimate id, host name or DPS message; a longer value is cut, never echoed whole. */
    public static final int MAX_CHARS = 200;

    private UntrustedText() {
    }

    /** The text escaped, redacted and cut to {@link #MAX_CHARS}; {@code "null"} for null. */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        String redacted = Redactor.redact(text.length() > 4 * MAX_CHARS ? text.substring(0, 4 * MAX_CHARS) : text);
        StringBuilder out = new StringBuilder(Math.min(redacted.length(), MAX_CHARS) + 16);
        for (int i = 0; i < redacted.length(); i++) {
            if (out.length() >= MAX_CHARS) {
                return out.append("...(").append(text.length()).append(" chars)").toString();
            }
            char c = redacted.charAt(i);
            if (needsEscape(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\\'
                || Character.getType(c) == Character.FORMAT || Character.isSurrogate(c);
    }
}
