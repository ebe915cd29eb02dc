package io.azurekura.connector.testsupport.sas;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Locale;
import java.util.StringJoiner;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs SAS tokens the way IoT Hub and DPS specify: HMAC-SHA256 with the base64-decoded key over
 * {@code sr + "\n" + se}, where {@code sr} is exactly the text written into the token; the signature is base64 then
 * URL-encoded. Independent of the connector's own code on purpose.
 * <p>
 * Resources are given plain ({@code host/devices/dev#1}, ids as they are); the signer percent-encodes them for
 * {@code sr}, because IoT Hub percent-decodes {@code sr} once before comparing it (docs/iot-hub-amqp.md "Audiences"):
 * an id with {@code %}, {@code #}, {@code +} ... written raw would name another identity or none.
 */
public final class SasSigner {

    /** How the resource is written into {@code sr}. */
    public enum ResourceForm {
        /** As the Java SDK writes it: literal {@code /}, each id percent-encoded, {@code host/devices/dev%231}. */
        PLAIN,
        /** As Microsoft's docs write it: lower-cased and fully URL-encoded, {@code host%2Fdevices%2Fdev%25231}. */
        ENCODED_LOWER_CASE,
        /** Fully URL-encoded, case kept, upper-case hex escapes: {@code host%2Fdevices%2FDev%231}. */
        ENCODED,
        /** Fully URL-encoded, case kept, lower-case hex escapes: {@code host%2fdevices%2fDev%231}. */
        ENCODED_LOWER_HEX
    }

    private SasSigner() {
    }

    /**
     * @param resource the plain resource, ids unencoded, e.g. {@code myhub.azure-devices.net/devices/dev#1}
     * @param base64Key the shared access key, base64
     * @param expiryEpochSeconds {@code se}
     * @param keyName {@code skn}, or null for none; "" writes an empty {@code skn=} (as the DPS SDK does)
     */
    public static String sign(String resource, String base64Key, long expiryEpochSeconds, String keyName,
            ResourceForm form) {
        String sr = writeResource(resource, form);
        String sig = urlEncode(hmacBase64(base64Key, sr + "\n" + expiryEpochSeconds));
        return "SharedAccessSignature sr=" + sr + "&sig=" + sig + "&se=" + expiryEpochSeconds
                + (keyName == null ? "" : "&skn=" + keyName);
    }

    /** A device's ({@code moduleId} null) or module's token, ids given as they are. */
    public static String signFor(String host, String deviceId, String moduleId, String base64Key,
            long expiryEpochSeconds, ResourceForm form) {
        String resource = host + "/devices/" + deviceId + (moduleId == null ? "" : "/modules/" + moduleId);
        return sign(resource, base64Key, expiryEpochSeconds, null, form);
    }

    /** {@code sr} as the form writes the plain resource; every form percent-decodes once to the resource. */
    public static String writeResource(String resource, ResourceForm form) {
        switch (form) {
        case PLAIN:
            StringJoiner sr = new StringJoiner("/");
            for (String segment : resource.split("/", -1)) {
                sr.add(urlEncode(segment));
            }
            return sr.toString();
        case ENCODED_LOWER_CASE:
            return urlEncode(resource.toLowerCase(Locale.ROOT));
        case ENCODED:
            return urlEncode(resource);
        case ENCODED_LOWER_HEX:
        default:
            return lowerHex(urlEncode(resource));
        }
    }

    private static String lowerHex(String encoded) {
        StringBuilder out = new StringBuilder(encoded);
        for (int i = out.indexOf("%"); i >= 0 && i + 2 < out.length(); i = out.indexOf("%", i + 3)) {
            out.setCharAt(i + 1, Character.toLowerCase(out.charAt(i + 1)));
            out.setCharAt(i + 2, Character.toLowerCase(out.charAt(i + 2)));
        }
        return out.toString();
    }

    public static String hmacBase64(String base64Key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** DPS group enrollments: the device key is HMAC-SHA256(groupKey, registrationId), base64. */
    public static String deriveDeviceKey(String base64GroupKey, String registrationId) {
        return hmacBase64(base64GroupKey, registrationId);
    }

    public static String urlEncode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A random 256-bit key, base64, as IoT Hub generates them. */
    public static String newKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
