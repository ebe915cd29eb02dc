package io.azurekura.connector.common.redact;

import java.util.regex.Pattern;

/**
 * Removes secrets from text that may reach a log line or an exception message: SAS signatures ({@code sig=}),
 * shared access keys and bearer credentials. Applied to every message built from remote input.
 */
public final class Redactor {

    private static final Pattern SECRETS = Pattern.compile(
            "(?i)(sig=|sharedaccesskey=|authorization:\\s*|bearer\\s+|api-key:\\s*)[^&\\s;\"',]*");
    private static final int MAX_ECHO = 200;

    private Redactor() {
    }

    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        return SECRETS.matcher(text).replaceAll("$1<redacted>");
    }

    /** Redacts and truncates remote text (a response body, a header) before it is echoed in a message. */
    public static String excerpt(String remoteText) {
        if (remoteText == null) {
            return "";
        }
        String oneLine = remoteText.replaceAll("[\\p{Cntrl}]+", " ").trim();
        String redacted = redact(oneLine);
        return redacted.length() > MAX_ECHO ? redacted.substring(0, MAX_ECHO) + "..." : redacted;
    }
}
