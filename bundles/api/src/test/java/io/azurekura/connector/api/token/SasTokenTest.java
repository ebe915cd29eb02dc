package io.azurekura.connector.api.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SasTokenTest {

    private static final String SIG = "dGhpcyBpcyBhIDMyIGJ5dGUgc2lnbmF0dXJlISEhIQ%3D%3D";
    private static final String GOOD = "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig=" + SIG
            + "&se=1900000000";

    @Test
    void parsesWhatTheSdkParses() throws Exception {
        SasToken token = SasToken.parse(GOOD);
        assertThat(token.resource()).isEqualTo("myhub.azure-devices.net%2Fdevices%2Fdev1");
        assertThat(token.expiresAt()).isEqualTo(Instant.ofEpochSecond(1_900_000_000L));
        assertThat(token.keyName()).isEmpty();
        assertThat(new String(token.toCharArray())).isEqualTo(GOOD);
        assertThat(token.isHubClientCompatible()).isTrue();
    }

    @Test
    void fieldOrderAndKeyNameAreFree() throws Exception {
        SasToken token = SasToken.parse("SharedAccessSignature se=1900000000&skn=device&sig=" + SIG
                + "&sr=hub/devices/d");
        assertThat(token.keyName()).hasValue("device");
        assertThat(token.resource()).isEqualTo("hub/devices/d");
    }

    @Test
    void toStringNeverShowsTheSignature() throws Exception {
        SasToken token = SasToken.parse(GOOD);
        assertThat(token.toString()).doesNotContain(SIG).contains("sig=<redacted>").contains("se=1900000000");
    }

    @Test
    void toCharArrayIsAFreshCopy() throws Exception {
        SasToken token = SasToken.parse(GOOD);
        char[] a = token.toCharArray();
        a[0] = 'X';
        assertThat(token.toCharArray()[0]).isEqualTo('S');
    }

    @Test
    void emptySknParsesButIsFlaggedAsUnusableByHubClients() throws Exception {
        SasToken token = SasToken.parse("SharedAccessSignature sr=0ne00/registrations/r1&sig=" + SIG
                + "&se=1900000000&skn=");
        assertThat(token.keyName()).hasValue("");
        assertThat(token.isHubClientCompatible()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "SharedAccessSignature",
            "SharedAccessSignature ",
            "sharedaccesssignature sr=a&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature  sr=a&sig=" + SIG + "&se=1900000000",
            "Bearer sr=a&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sr=a&se=1900000000",
            "SharedAccessSignature sr=a&sig=" + SIG,
            "SharedAccessSignature sr=&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sr=a&sr=b&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sr=a&sig=" + SIG + "&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=1900000000&se=1900000001",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=abc",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=-5",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=0",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=1.5e9",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=99999999999999999999",
            "SharedAccessSignature sr=a&sig=abc+def/ghi==&se=1900000000",
            "SharedAccessSignature sr=a&sig=abc=&se=1900000000",
            "SharedAccessSignature sr=a&sig=%%%&se=1900000000",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=1900000000&",
            "SharedAccessSignature sr=a&&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sr=a b&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=1900000000\n",
            "SharedAccessSignature sr=a\u00e9&sig=" + SIG + "&se=1900000000",
            "SharedAccessSignature sr=a&sig=" + SIG + "&se=1900000000&=x",
            "<html><body>502 Bad Gateway</body></html>" })
    void rejectsWhatTheSdkWouldRejectOrMangle(String input) {
        assertThatThrownBy(() -> SasToken.parse(input)).isInstanceOf(SasTokenFormatException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SIG));
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> SasToken.parse(null)).isInstanceOf(SasTokenFormatException.class);
    }

    @Test
    void rejectsATenMegabyteBodyWithoutScanningIt() {
        String huge = "SharedAccessSignature sr=" + "a".repeat(10 * 1024 * 1024) + "&sig=" + SIG + "&se=1900000000";
        assertThatThrownBy(() -> SasToken.parse(huge)).isInstanceOf(SasTokenFormatException.class)
                .hasMessageContaining("longer than");
    }

    @Test
    void rejectsTextDecodedFromNonUtf8Bytes() {
        byte[] garbled = { 'S', 'h', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, 'x' };
        String decoded = new String(garbled, StandardCharsets.UTF_8); // replacement characters
        assertThatThrownBy(() -> SasToken.parse(decoded)).isInstanceOf(SasTokenFormatException.class);
    }

    @Test
    void errorMessagesNeverEchoTheToken() {
        String secret = "SharedAccessSignature sr=a&sig=SECRETSECRET%3D&sig=again&se=1900000000";
        assertThatThrownBy(() -> SasToken.parse(secret))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRETSECRET"));
    }
}
