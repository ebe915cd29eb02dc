package io.azurekura.connector.common.redact;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets and forged lines out of log lines, statuses and exception messages (rules in
 * docs/secrets-and-http.md).
 * <p>
 * The static functions know the shapes of secrets (SAS signatures plain and URL-encoded, whole
 * {@code SharedAccessSignature} strings, shared access keys, bearer and API-key header values). A shape cannot
 * recognise a bare secret, so an instance made with {@link #withSecrets(char[]...)} also replaces the configured
 * secrets by exact value, plain and URL-encoded.
 */
public final class Redactor {

    /** What replaces a secret. */
    public static final String MASK = "<redacted>";
    /** Longest remote or configured text echoed in a message, in characters before escaping. */
    public static final int MAX_ECHO = 200;
    /**
     * Shorter configured secrets are not replaced by value: masking every occurrence of two letters would garble
     * every message while protecting nothing (such a secret is guessable anyway).
     */
    static final int MIN_SECRET_LENGTH = 4;
    /**
     * Text beyond what is shown plus this much is cut before the rules run: the rules then cost the same for a
     * 10 MB body as for a short one, and a secret cannot straddle the cut into the shown part.
     */
    static final int LOOKAHEAD = 2048;

    /**
     * A whole SAS token (its fields are separated by {@code &}, so everything up to white space or a quote goes),
     * in plain or URL-encoded form.
     */
    private static final Pattern SAS_TOKEN = Pattern.compile("(?i)(SharedAccessSignature)(\\s+|%20|\\+)[^\\s\"'<>]*");
    /** Signature and key parameters, plain ({@code sig=}) and URL-encoded ({@code sig%3D}), in any case. */
    private static final Pattern SIGNED_PARAMETER = Pattern.compile(
            "(?i)((?:sig|sharedaccesskey|skey|key|signature|password|secret|token)(?:=|%3D))[^&\\s;\"'<>]*");
    /** Authorization headers: everything up to the end of the line or a quote (scheme, value, commas). */
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "(?i)(\\b(?:proxy-)?authorization\\s*[:=]\\s*)(?!" + "<redacted>" + ")[^\\r\\n\"'<>]+");
    /** Credential values: a bearer or basic credential, an API-key header or parameter, as one token. */
    private static final Pattern CREDENTIAL = Pattern.compile(
            "(?i)((?:[a-z0-9-]{0,40}api[-_]?key|ocp-apim-subscription-key)"
                    + "\\s*[:=]\\s*|\\bbearer\\s+|\\bbasic\\s+)(?!SharedAccessSignature\\b)(?!" + "<redacted>" + ")[^\\s\"'<>]+");

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    /**
     * A redactor that also replaces these configured secrets wherever they occur, plain or URL-encoded, before the
     * shape rules apply. Blank and very short values are ignored; the arrays are copied.
     */
    public static Redactor withSecrets(char[]... configured) {
        List<String> values = new ArrayList<>();
        for (char[] secret : configured) {
            if (secret == null) {
                continue;
            }
            String value = new String(secret).strip();
            if (value.length() >= MIN_SECRET_LENGTH) {
                values.add(value);
                String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
                if (!encoded.equals(value)) {
                    values.add(encoded);
                    values.add(encoded.replace("+", "%20"));
                }
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        values.sort(Comparator.comparingInt(String::length).reversed());
        return new Redactor(List.copyOf(values));
    }

    /** A redactor that knows no configured secret: the shape rules only. */
    public static Redactor shapesOnly() {
        return new Redactor(List.of());
    }

    /** Replaces the configured secrets, then every known secret shape. Null stays null. */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (String secret : this.secrets) {
            result = replaceIgnoringCase(result, secret);
        }
        return redact(result);
    }

    /** {@link #excerpt(String)} after replacing the configured secrets. */
    public String safe(String remoteText) {
        return safe(remoteText, MAX_ECHO);
    }

    /** {@link #safe(String)} with another bound. */
    public String safe(String remoteText, int maxChars) {
        if (remoteText == null) {
            return "";
        }
        return bounded(mask(head(remoteText, maxChars)), maxChars, remoteText.length());
    }

    /** Replaces the known secret shapes: signatures, whole SAS tokens, keys, bearer and API-key values. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = SAS_TOKEN.matcher(text).replaceAll("$1$2" + MASK);
        result = SIGNED_PARAMETER.matcher(result).replaceAll("$1" + MASK);
        result = CREDENTIAL.matcher(result).replaceAll("$1" + MASK);
        return AUTHORIZATION.matcher(result).replaceAll("$1" + MASK);
    }

    /**
     * Redacts, escapes and bounds text from outside (a response body, a header, a configuration value, a peer's
     * error text) before it is echoed in a message: one line, at most {@link #MAX_ECHO} characters of it.
     */
    public static String excerpt(String remoteText) {
        return excerpt(remoteText, MAX_ECHO);
    }

    /** {@link #excerpt(String)} with another bound. */
    public static String excerpt(String remoteText, int maxChars) {
        if (remoteText == null) {
            return "";
        }
        return bounded(redact(head(remoteText, maxChars)), maxChars, remoteText.length());
    }

    private static String head(String text, int maxChars) {
        long keep = (long) Math.max(0, maxChars) + LOOKAHEAD;
        return text.length() > keep ? text.substring(0, (int) keep) : text;
    }

    /** {@code cut}: the text was shortened before redaction, so the note gives the original length. */
    private static String bounded(String redacted, int maxChars, int originalLength) {
        boolean cut = originalLength > (long) Math.max(0, maxChars) + LOOKAHEAD;
        return escape(redacted, maxChars, cut ? originalLength : redacted.length());
    }

    /**
     * Makes outside text safe to put into one log line: control characters (CR and LF above all, which would forge
     * a log line) become visible escapes ({@code \r}, {@code \n}, {@code \t}, {@code \u001b}), and the text is cut
     * after {@code maxChars} characters with a note of how much was left out. Does not redact.
     */
    public static String escape(String text, int maxChars) {
        return text == null ? "" : escape(text, maxChars, text.length());
    }

    private static String escape(String text, int maxChars, int totalLength) {
        int limit = Math.min(text.length(), Math.max(0, maxChars));
        StringBuilder out = new StringBuilder(limit + 16);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            switch (c) {
            case '\r':
                out.append("\\r");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\t':
                out.append("\\t");
                break;
            case '\\':
                out.append("\\\\");
                break;
            default:
                if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085'
                        || Character.getType(c) == Character.FORMAT) {
                    out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                } else if (Character.isHighSurrogate(c) && i == limit - 1) {
                    // do not cut a character in half
                } else {
                    out.append(c);
                }
                break;
            }
        }
        if (totalLength > limit) {
            out.append("...(").append(totalLength).append(" chars in all)");
        }
        return out.toString();
    }

    private static String replaceIgnoringCase(String text, String secret) {
        Matcher matcher = Pattern.compile(Pattern.quote(secret), Pattern.CASE_INSENSITIVE).matcher(text);
        return matcher.find() ? matcher.replaceAll(MASK) : text;
    }
}
