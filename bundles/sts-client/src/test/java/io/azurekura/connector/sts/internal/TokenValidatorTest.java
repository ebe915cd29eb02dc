package io.azurekura.connector.sts.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.testsupport.sas.SasSigner;

class TokenValidatorTest {

    private static final String KEY = SasSigner.newKey();
    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
    private static final TokenScope DEV1 = TokenScope.device("hub.azure-devices.net", "dev1");
    private final TokenValidator validator = new TokenValidator(Duration.ofSeconds(60), Duration.ofDays(7));

    private static String token(String resource, long ttlSeconds, String skn, SasSigner.ResourceForm form) {
        return SasSigner.sign(resource, KEY, NOW.getEpochSecond() + ttlSeconds, skn, form);
    }

    @Test
    void acceptsBothResourceSpellings() throws Exception {
        assertThat(this.validator.validate(token("hub.azure-devices.net/devices/dev1", 3600, null,
                SasSigner.ResourceForm.PLAIN), DEV1, NOW).expiresAt()).isEqualTo(NOW.plusSeconds(3600));
        assertThat(this.validator.validate(token("hub.azure-devices.net/devices/dev1", 3600, "device",
                SasSigner.ResourceForm.ENCODED_LOWER_CASE), DEV1, NOW)).isNotNull();
    }

    @Test
    void classifiesEachRejection() {
        assertFailure(token("hub.azure-devices.net/devices/dev2", 3600, null, SasSigner.ResourceForm.PLAIN),
                DEV1, FetchFailure.WRONG_AUDIENCE);
        assertFailure(token("hub.azure-devices.net/devices/dev1", -5, null, SasSigner.ResourceForm.PLAIN), DEV1,
                FetchFailure.EXPIRED);
        assertFailure(token("hub.azure-devices.net/devices/dev1", 30, null, SasSigner.ResourceForm.PLAIN), DEV1,
                FetchFailure.EXPIRED);
        assertFailure(token("hub.azure-devices.net/devices/dev1", 30 * 86_400L, null,
                SasSigner.ResourceForm.PLAIN), DEV1, FetchFailure.LIFETIME_TOO_LONG);
        assertFailure("<html>oops</html>", DEV1, FetchFailure.MALFORMED);
        assertFailure(token("hub.azure-devices.net/devices/dev1", 3600, "", SasSigner.ResourceForm.PLAIN), DEV1,
                FetchFailure.MALFORMED);
    }

    @Test
    void anEmptySknIsFineForDps() throws Exception {
        TokenScope dps = TokenScope.dpsRegistration("0ne00000A1B", "dev1");
        assertThat(this.validator.validate(token("0ne00000A1B/registrations/dev1", 3600, "",
                SasSigner.ResourceForm.PLAIN), dps, NOW)).isNotNull();
    }

    @Test
    void rejectionMessagesCarryNoSignature() {
        String wrong = token("hub.azure-devices.net/devices/other", 3600, null, SasSigner.ResourceForm.PLAIN);
        String sig = wrong.substring(wrong.indexOf("sig=") + 4, wrong.indexOf("&se="));
        assertThatThrownBy(() -> this.validator.validate(wrong, DEV1, NOW))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(sig));
    }

    private void assertFailure(String text, TokenScope scope, FetchFailure expected) {
        assertThatThrownBy(() -> this.validator.validate(text, scope, NOW)).isInstanceOf(TokenFetchException.class)
                .satisfies(e -> assertThat(((TokenFetchException) e).failure()).isEqualTo(expected));
    }
}
