package io.azurekura.connector.testsupport.sas;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a SAS token as the services do: well formed, HMAC over the literal {@code sr} text and {@code se}, audience
 * equal after URL-decoding (case-insensitive), not expired. Used by the DPS and IoT Hub emulators.
 */
public final class SasVerifier {

    /** Why a token was refused; {@link #OK} when it was not. */
    public enum Verdict {
        OK, MALFORMED, WRONG_AUDIENCE, BAD_SIGNATURE, EXPIRED
    }

    /** The parsed fields of a token, for emulators that need {@code se} (e.g. to cut a connection at expiry). */
    public static final class Parsed {
        public final String resource;
        public final String signature;
        public final long expiryEpochSeconds;
        public final String keyName;

        Parsed(String resource, String signature, long expiryEpochSeconds, String keyName) {
            this.resource = resource;
            this.signature = signature;
            this.expiryEpochSeconds = expiryEpochSeconds;
            this.keyName = keyName;
        }
    }

    private SasVerifier() {
    }

    /** @return the parsed token, or null when malformed */
    public static Parsed parse(String token) {
        if (token == null || !token.startsWith("SharedAccessSignature ")) {
            return null;
        }
        String body = token.substring("SharedAccessSignature ".length());
        if (body.contains(" ")) {
            return null;
        }
        Map<String, String> fields = new HashMap<>();
        for (String field : body.split("&")) {
            int eq = field.indexOf('=');
            if (eq <= 0 || fields.put(field.substring(0, eq), field.substring(eq + 1)) != null) {
                return null;
            }
        }
        String sr = fields.get("sr");
        String sig = fields.get("sig");
        String se = fields.get("se");
        if (sr == null || sr.isEmpty() || sig == null || sig.isEmpty() || se == null || !se.matches("[0-9]{1,12}")) {
            return null;
        }
        return new Parsed(sr, sig, Long.parseLong(se), fields.get("skn"));
    }

    /**
     * @param expectedResource the plain resource, ids unencoded, e.g. {@code localhost/devices/dev#1}
     * @param base64Key the key the token must be signed with
     * @param nowEpochSeconds the emulator's clock
     */
    public static Verdict verify(String token, String expectedResource, String base64Key, long nowEpochSeconds) {
        Parsed parsed = parse(token);
        if (parsed == null) {
            return Verdict.MALFORMED;
        }
        String audience = canonical(parsed.resource);
        if (audience == null) {
            return Verdict.MALFORMED;
        }
        if (!audience.equals(expectedResource.toLowerCase(Locale.ROOT))) {
            return Verdict.WRONG_AUDIENCE;
        }
        String expected = SasSigner.hmacBase64(base64Key, parsed.resource + "\n" + parsed.expiryEpochSeconds);
        String actual;
        try {
            actual = URLDecoder.decode(parsed.signature, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Verdict.MALFORMED;
        }
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                actual.getBytes(StandardCharsets.US_ASCII))) {
            return Verdict.BAD_SIGNATURE;
        }
        if (parsed.expiryEpochSeconds <= nowEpochSeconds) {
            return Verdict.EXPIRED;
        }
        return Verdict.OK;
    }

    /**
     * The audience {@code sr} names, lower-cased: {@code sr} percent-decoded exactly once, as IoT Hub does, so the
     * Java SDK's form ({@code host/devices/dev%231}) and the fully encoded one ({@code host%2Fdevices%2Fdev%25231})
     * both name {@code dev#1}. Decoding again would turn an id such as {@code a%41} into another id. {@code +} stays
     * a plus (it is legal in ids). Null when {@code sr} holds a broken escape.
     */
    public static String canonical(String resource) {
        String decoded = decodeOnce(resource);
        return decoded == null ? null : decoded.toLowerCase(Locale.ROOT);
    }

    /** Percent-decoding, {@code +} kept; null on a broken escape or bytes that are not UTF-8 text. */
    public static String decodeOnce(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        try {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
