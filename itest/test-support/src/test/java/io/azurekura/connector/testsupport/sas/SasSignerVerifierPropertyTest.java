package io.azurekura.connector.testsupport.sas;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/**
 * Signer and verifier agree on every valid IoT Hub id: for generated ids (every allowed special character, 1 to 128
 * characters, seeded so a failure can be replayed), in every {@code sr} spelling, for devices and modules, the
 * verifier accepts what the signer signed, and an HMAC-SHA256 computed here from first principles over
 * {@code sr + "\n" + se} agrees on the signature.
 */
class SasSignerVerifierPropertyTest {

    private static final long SEED = 0x5A5_1D5L;
    private static final int CASES = 2000;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            + IotHubIdRule.SPECIAL_CHARACTERS;
    private static final String HOST = "myhub.azure-devices.net";

    private final Random random = new Random(SEED);

    private String validId() {
        int length = 1 + (this.random.nextInt(4) == 0 ? this.random.nextInt(IotHubIdRule.MAX_LENGTH)
                : this.random.nextInt(12));
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            // Specials are a third of the draws so every id is likely to hold some.
            id.append(this.random.nextInt(3) == 0
                    ? IotHubIdRule.SPECIAL_CHARACTERS.charAt(this.random.nextInt(IotHubIdRule.SPECIAL_CHARACTERS
                            .length()))
                    : ALPHABET.charAt(this.random.nextInt(ALPHABET.length())));
        }
        String generated = id.toString();
        return IotHubIdRule.isValid(generated) ? generated : generated + "x";
    }

    private static String firstPrinciplesSignature(byte[] key, String sr, long se) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal((sr + "\n" + se).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everyValidIdSignsAndVerifiesInEverySpellingAndTheSignatureIsTheHmacOfSrAndSe() throws Exception {
        long se = 4_102_444_800L;
        int checked = 0;
        int withSpecials = 0;
        for (int i = 0; i < CASES; i++) {
            String deviceId = validId();
            String moduleId = this.random.nextBoolean() ? validId() : null;
            assertThat(IotHubIdRule.isValid(deviceId)).isTrue();
            byte[] key = new byte[32];
            this.random.nextBytes(key);
            String base64Key = Base64.getEncoder().encodeToString(key);
            String resource = HOST + "/devices/" + deviceId + (moduleId == null ? "" : "/modules/" + moduleId);
            if (!deviceId.chars().allMatch(Character::isLetterOrDigit)) {
                withSpecials++;
            }
            for (SasSigner.ResourceForm form : SasSigner.ResourceForm.values()) {
                String token = SasSigner.signFor(HOST, deviceId, moduleId, base64Key, se, form);
                SasVerifier.Parsed parsed = SasVerifier.parse(token);
                assertThat(parsed).as("parsable: %s", token).isNotNull();
                assertThat(SasVerifier.verify(token, resource, base64Key, se - 1)).as("%s %s", form, token)
                        .isEqualTo(SasVerifier.Verdict.OK);
                assertThat(URLDecoder.decode(parsed.signature, StandardCharsets.UTF_8))
                        .isEqualTo(firstPrinciplesSignature(key, parsed.resource, se));
                // The audience names this identity and no other: one character changed and it is refused.
                assertThat(SasVerifier.verify(token, resource + "x", base64Key, se - 1))
                        .isEqualTo(SasVerifier.Verdict.WRONG_AUDIENCE);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(CASES * SasSigner.ResourceForm.values().length);
        assertThat(withSpecials).isGreaterThan(CASES / 2);
    }

    @Test
    void everyAllowedCharacterAloneAndTheLongestIdsVerify() {
        String key = SasSigner.newKey();
        long se = 4_102_444_800L;
        for (char c : ALPHABET.toCharArray()) {
            String id = c == '.' ? ".x" : String.valueOf(c);
            for (SasSigner.ResourceForm form : SasSigner.ResourceForm.values()) {
                assertThat(SasVerifier.verify(SasSigner.signFor(HOST, id, null, key, se, form), HOST + "/devices/"
                        + id, key, se - 1)).as("id %s, %s", id, form).isEqualTo(SasVerifier.Verdict.OK);
            }
        }
        String longest = "%".repeat(IotHubIdRule.MAX_LENGTH);
        assertThat(SasVerifier.verify(SasSigner.signFor(HOST, longest, longest, key, se,
                SasSigner.ResourceForm.PLAIN), HOST + "/devices/" + longest + "/modules/" + longest, key, se - 1))
                .isEqualTo(SasVerifier.Verdict.OK);
    }

    @Test
    void anIdThatLooksEncodedIsNotDecodedTwice() {
        String key = SasSigner.newKey();
        long se = 4_102_444_800L;
        String token = SasSigner.signFor(HOST, "a%41", null, key, se, SasSigner.ResourceForm.ENCODED);
        assertThat(SasVerifier.verify(token, HOST + "/devices/a%41", key, se - 1)).isEqualTo(SasVerifier.Verdict.OK);
        assertThat(SasVerifier.verify(token, HOST + "/devices/aA", key, se - 1))
                .isEqualTo(SasVerifier.Verdict.WRONG_AUDIENCE);
    }

    @Test
    void theRuleRefusesWhatIotHubRefuses() {
        assertThat(IotHubIdRule.isValid("a".repeat(128))).isTrue();
        assertThat(IotHubIdRule.isValid("a".repeat(129))).isFalse();
        for (String invalid : new String[] { "", ".", "..", "a b", "a/b", "é", "a\nb", "a&b", "a\"b", "a~b" }) {
            assertThat(IotHubIdRule.isValid(invalid)).as(invalid).isFalse();
        }
    }
}
