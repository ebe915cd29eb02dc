package io.azurekura.connector.dps.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UntrustedTextTest {

    @Test
    void lineBreaksAndControlsAreWrittenVisibly() {
        assertThat(UntrustedText.escape("a\r\nb\u2028c\u0085d\u202Ee\u0000f\\g"))
                .isEqualTo("a\\u000D\\u000Ab\\u2028c\\u0085d\\u202Ee\\u0000f\\u005Cg");
    }

    @Test
    void secretsAreRedactedAndLengthIsBounded() {
        assertThat(UntrustedText.escape("SharedAccessSignature sr=x&sig=abc123&se=1")).doesNotContain("abc123");
        String escaped = UntrustedText.escape("x".repeat(10_000));
        assertThat(escaped).hasSizeLessThan(UntrustedText.MAX_CHARS + 30).endsWith("(10000 chars)");
        assertThat(UntrustedText.escape(null)).isEqualTo("null");
    }
}
