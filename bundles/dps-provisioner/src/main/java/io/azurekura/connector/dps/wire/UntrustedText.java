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

    /** The text redacted, escaped and cut to {@link #MAX_CHARS} (the shared rule); {@code "null"} for null. */
    public static String escape(String text) {
        return text == null ? "null" : Redactor.excerpt(text, MAX_CHARS);
    }
}
