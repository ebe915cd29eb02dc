package io.azurekura.connector.itest.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.eclipse.kura.KuraException;
import org.junit.jupiter.api.Test;

/** The test CryptoService behaves as the connector expects Kura's to (docs/kura-conventions.md
 * "Passwords and CryptoService"). */
class TestCryptoServiceTest {

    private final TestCryptoService crypto = new TestCryptoService();

    @Test
    void encryptsReversiblyToBase64Text() throws KuraException {
        char[] sealed = this.crypto.encryptAes("s3cret ü".toCharArray());

        assertThat(new String(sealed)).matches("[A-Za-z0-9+/=]+").doesNotContain("s3cret");
        assertThat(this.crypto.decryptAes(sealed)).isEqualTo("s3cret ü".toCharArray());
    }

    @Test
    void decryptingTextItDidNotEncryptThrowsKuraExceptionLikeKura() {
        // The connector falls back to the value as typed in exactly this case
        assertThatThrownBy(() -> this.crypto.decryptAes("typed-in-plain".toCharArray()))
                .isInstanceOf(KuraException.class);
        assertThatThrownBy(() -> this.crypto.decryptAes("dGhpcyBpcyBiYXNlNjQgYnV0IG5vdCBzZWFsZWQ=".toCharArray()))
                .isInstanceOf(KuraException.class);
    }

    @Test
    void theSameSecretEncryptsDifferentlyEachTime() {
        assertThat(this.crypto.encrypt("same")).isNotEqualTo(this.crypto.encrypt("same"));
    }
}
