package io.azurekura.connector.testsupport.sas;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs SAS tokens the way IoT Hub and DPS specify: HMAC-SHA256 with the base64-decoded key over
 * {@code sr + "\n" + se}, where {@code sr} is exactly the text written into the token; the signature is base64 then
 * URL-encoded. Independent of the connector's own code on purpose.
 */
public final class SasSigner {

    /** How the resource is written into {@code sr}. */
    public enum ResourceForm {
        /** As the Java SDK writes it: {@code host/devices/dev1}. */
        PLAIN,
        /** As Microsoft's docs write it: lower-cased and fully URL-encoded, {@code host%2fdevices%2fdev1}. */
        ENCODED_LOWER_CASE
    }

    private SasSigner() {
    }

    /**
     * @param resource the plain resource, e.g. {@code myhub.azure-devices.net/devices/dev1}
     * @param base64Key the shared access key, base64
     * @param expiryEpochSeconds {@code se}
     * @param keyName {@code skn}, or null for none; "" writes an empty {@code skn=} (as the DPS SDK does)
     */
    public static String sign(String resource, String base64Key, long expiryEpochSeconds, String keyName,
            ResourceForm form) {
        String sr = form == ResourceForm.PLAIN ? resource
                : urlEncode(resource.toLowerCase(Locale.ROOT));
        String sig = urlEncode(hmacBase64(base64Key, sr + "\n" + expiryEpochSeconds));
        return "SharedAccessSignature sr=" + sr + "&sig=" + sig + "&se=" + expiryEpochSeconds
                + (keyName == null ? "" : "&skn=" + keyName);
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
