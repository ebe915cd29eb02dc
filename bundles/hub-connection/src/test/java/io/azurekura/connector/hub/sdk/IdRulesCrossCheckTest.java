package io.azurekura.connector.hub.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.token.IdentityIds;
import io.azurekura.connector.testsupport.sas.IotHubIdRule;

/**
 * The product's statement of IoT Hub's id rule ({@link IdentityIds}) and the emulators' own ({@link IotHubIdRule},
 * kept independent on purpose) agree: on every character of the first two Unicode blocks alone and inside an id, at
 * the length limit, and on seeded random strings over a mixed alphabet.
 */
class IdRulesCrossCheckTest {

    private static void agree(String id) {
        assertThat(IdentityIds.isValidDeviceId(id)).as("id of length %d: %s", id.length(), escaped(id))
                .isEqualTo(IotHubIdRule.isValid(id));
    }

    private static String escaped(String id) {
        StringBuilder out = new StringBuilder();
        id.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : String.format("\\u%04x", c)));
        return out.toString();
    }

    @Test
    void bothRulesAgreeOnEveryCharacterAloneAndWithinAnId() {
        for (char c = 0; c < 0x250; c++) {
            agree(String.valueOf(c));
            agree("dev" + c + "1");
        }
        agree(".");
        agree("..");
        agree("...");
        agree("");
        agree("a".repeat(IotHubIdRule.MAX_LENGTH));
        agree("a".repeat(IotHubIdRule.MAX_LENGTH + 1));
        assertThat(IotHubIdRule.isValid("-:.+%_#*?!(),=@;$'")).isTrue();
    }

    @Test
    void bothRulesAgreeOnSeededRandomStrings() {
        Random random = new Random(13);
        String alphabet = "aZ09-:.+%_#*?!(),=@;$' /\\&\"~`^{}[]<>|\t\né";
        int valid = 0;
        for (int i = 0; i < 20_000; i++) {
            int length = random.nextInt(IotHubIdRule.MAX_LENGTH + 3);
            StringBuilder id = new StringBuilder(length);
            for (int j = 0; j < length; j++) {
                id.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            agree(id.toString());
            if (IotHubIdRule.isValid(id.toString())) {
                valid++;
            }
        }
        // Both outcomes were exercised, not only refusals.
        assertThat(valid).isGreaterThan(100);
    }
}
