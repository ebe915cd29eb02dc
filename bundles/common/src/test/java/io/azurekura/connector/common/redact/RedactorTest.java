package io.azurekura.connector.common.redact;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Issue 11 item 2: the redaction rules; the first four failed on the rules before the fix. */
class RedactorTest {

    private static final String SIG = "dGhpcyBpcyBhIHNpZ25hdHVyZQ";

    @Test
    void aBearerValueIsMaskedWholeEvenWithCommas() {
        String masked = Redactor.redact("Authorization: Bearer abc,def;ghi+/=tail");
        assertThat(masked).doesNotContain("def").doesNotContain("ghi").doesNotContain("tail");
    }

    @Test
    void urlEncodedSignaturesAreMaskedInAnyCase() {
        assertThat(Redactor.redact("https://dps/x?sr=a%26sig%3D" + SIG + "%253D%26se%3D1")).doesNotContain(SIG);
        assertThat(Redactor.redact("SIG%3d" + SIG)).doesNotContain(SIG);
        assertThat(Redactor.redact("Sig=" + SIG)).doesNotContain(SIG);
    }

    @Test
    void aWholeSasStringIsMaskedPlainAndUrlEncoded() {
        assertThat(Redactor.redact("got SharedAccessSignature sr=h%2Fdevices%2Fd&se=1&skn=k&sig=" + SIG))
                .doesNotContain(SIG).doesNotContain("skn=k");
        assertThat(Redactor.redact("q=SharedAccessSignature%20sr%3Dh%26sig%3D" + SIG)).doesNotContain(SIG);
    }

    @Test
    void controlCharactersAreEscapedSoNoLineCanBeForged() {
        String excerpt = Redactor.excerpt("first\r\nSEVERE: forged\u001b[31m\u2028end");
        assertThat(excerpt).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u001b")
                .doesNotContain("\u2028").contains("\\r\\nSEVERE: forged");
    }

    @Test
    void aBareConfiguredSecretIsMaskedByValuePlainAndUrlEncoded() {
        String secret = "k3y+with/chars=";
        Redactor redactor = Redactor.withSecrets(secret.toCharArray());
        String text = "401: key " + secret + " unknown; echoed k3y%2Bwith%2Fchars%3D and K3Y+WITH/CHARS=";
        assertThat(redactor.safe(text)).doesNotContain("k3y").doesNotContain("K3Y").contains(Redactor.MASK);
        assertThat(Redactor.shapesOnly().safe(text)).contains("k3y");
    }

    @Test
    void apiKeyHeadersAreMasked() {
        assertThat(Redactor.redact("x-api-key: abc123secret")).doesNotContain("abc123secret");
        assertThat(Redactor.redact("Ocp-Apim-Subscription-Key: abc123secret")).doesNotContain("abc123secret");
    }

    @Test
    void hugeTextIsBoundedFastAndSaysHowLongItWas() {
        String huge = "x".repeat(5_000_000) + "sig=" + SIG;
        long start = System.nanoTime();
        String excerpt = Redactor.excerpt(huge);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_000);
        assertThat(excerpt).hasSizeLessThan(Redactor.MAX_ECHO + 40).endsWith("(5000030 chars in all)");
        long startKeyRun = System.nanoTime();
        Redactor.redact("a".repeat(1_000_000));
        assertThat((System.nanoTime() - startKeyRun) / 1_000_000).as("no quadratic backtracking").isLessThan(2_000);
    }
}
