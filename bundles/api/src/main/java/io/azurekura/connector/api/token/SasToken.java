package io.azurekura.connector.api.token;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed shared access signature. Accepts exactly what the Java device SDK's parser accepts (one space after
 * {@code SharedAccessSignature}, {@code k=v} fields joined by {@code &}, numeric {@code se}), and rejects the
 * inputs the SDK would silently mangle (a raw {@code =} inside a value, duplicate fields).
 * <p>
 * {@link #toString()} never shows the signature; {@link #toCharArray()} is the only way to the full text.
 */
public final class SasToken {

    /** Epoch seconds beyond year 9999 are not timestamps, they are garbage. */
    private static final long MAX_EXPIRY_EPOCH_SECONDS = 253_402_300_799L;

    private final char[] text;
    private final String resource;
    private final String keyName;
    private final Instant expiresAt;
    private final String redacted;

    private SasToken(char[] text, String resource, String keyName, Instant expiresAt, String redacted) {
        this.text = text;
        this.resource = resource;
        this.keyName = keyName;
        this.expiresAt = expiresAt;
        this.redacted = redacted;
    }

    public static SasToken parse(CharSequence value) throws SasTokenFormatException {
        if (value == null) {
            throw new SasTokenFormatException("token is missing");
        }
        String text = value.toString();
        if (text.length() > SasFormat.MAX_TOKEN_LENGTH) {
            throw new SasTokenFormatException("token is longer than " + SasFormat.MAX_TOKEN_LENGTH + " characters");
        }
        if (!text.startsWith(SasFormat.PREFIX)) {
            throw new SasTokenFormatException("token does not start with '" + SasFormat.PREFIX.trim() + " '");
        }
        String body = text.substring(SasFormat.PREFIX.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new SasTokenFormatException("token contains whitespace, control or non-ASCII characters");
            }
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : body.split("&", -1)) {
            int eq = field.indexOf('=');
            if (eq <= 0 || field.indexOf('=', eq + 1) >= 0) {
                throw new SasTokenFormatException("token field is not a single key=value pair (unencoded '='?)");
            }
            String key = field.substring(0, eq);
            if (fields.put(key, field.substring(eq + 1)) != null) {
                throw new SasTokenFormatException("token field '" + safeKey(key) + "' appears more than once");
            }
        }
        String resource = requireValue(fields, SasFormat.FIELD_RESOURCE);
        String signature = requireValue(fields, SasFormat.FIELD_SIGNATURE);
        String expiry = requireValue(fields, SasFormat.FIELD_EXPIRY);
        checkSignature(signature);
        Instant expiresAt = parseExpiry(expiry);

        StringBuilder redacted = new StringBuilder(SasFormat.PREFIX);
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (redacted.length() > SasFormat.PREFIX.length()) {
                redacted.append('&');
            }
            redacted.append(e.getKey()).append('=')
                    .append(SasFormat.FIELD_SIGNATURE.equals(e.getKey()) ? SasFormat.REDACTED : e.getValue());
        }
        return new SasToken(text.toCharArray(), resource, fields.get(SasFormat.FIELD_KEY_NAME), expiresAt,
                redacted.toString());
    }

    private static String safeKey(String key) {
        return key.length() > 16 ? key.substring(0, 16) + "..." : key;
    }

    private static String requireValue(Map<String, String> fields, String key) throws SasTokenFormatException {
        String value = fields.get(key);
        if (value == null || value.isEmpty()) {
            throw new SasTokenFormatException("token has no '" + key + "' field");
        }
        return value;
    }

    /** IoT Hub signatures are URL-encoded base64 of an HMAC; raw '+', '/' or '=' would be corrupted in transit. */
    private static void checkSignature(String signature) throws SasTokenFormatException {
        for (int i = 0; i < signature.length(); i++) {
            char c = signature.charAt(i);
            boolean unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~' || c == '%';
            if (!unreserved) {
                throw new SasTokenFormatException("token signature is not URL-encoded");
            }
        }
        try {
            String decoded = java.net.URLDecoder.decode(signature, StandardCharsets.UTF_8);
            if (Base64.getDecoder().decode(decoded).length == 0) {
                throw new SasTokenFormatException("token signature is empty");
            }
        } catch (IllegalArgumentException e) {
            throw new SasTokenFormatException("token signature is not URL-encoded base64");
        }
    }

    private static Instant parseExpiry(String expiry) throws SasTokenFormatException {
        if (expiry.length() > 12) {
            throw new SasTokenFormatException("token expiry 'se' is out of range");
        }
        for (int i = 0; i < expiry.length(); i++) {
            if (expiry.charAt(i) < '0' || expiry.charAt(i) > '9') {
                throw new SasTokenFormatException("token expiry 'se' is not a non-negative integer");
            }
        }
        long seconds = Long.parseLong(expiry);
        if (seconds == 0 || seconds > MAX_EXPIRY_EPOCH_SECONDS) {
            throw new SasTokenFormatException("token expiry 'se' is out of range");
        }
        return Instant.ofEpochSecond(seconds);
    }

    /** The {@code sr} value exactly as written in the token. */
    public String resource() {
        return this.resource;
    }

    /** The {@code skn} value: empty for absent, "" when present but empty (the DPS SDK writes {@code skn=}). */
    public Optional<String> keyName() {
        return Optional.ofNullable(this.keyName);
    }

    public Instant expiresAt() {
        return this.expiresAt;
    }

    public Duration remainingLife(Instant now) {
        return Duration.between(now, this.expiresAt);
    }

    public boolean isExpired(Instant now) {
        return !now.isBefore(this.expiresAt);
    }

    /**
     * The SDK's parser splits every field in two on '=' and fails on an empty value, so an empty {@code skn} breaks
     * IoT Hub clients even though DPS accepts it.
     */
    public boolean isHubClientCompatible() {
        return this.keyName == null || !this.keyName.isEmpty();
    }

    /** A fresh copy of the full token text; the caller owns it. */
    public char[] toCharArray() {
        return this.text.clone();
    }

    /** Length of the full token text, without copying it. */
    public int length() {
        return this.text.length;
    }

    @Override
    public String toString() {
        return this.redacted;
    }
}
