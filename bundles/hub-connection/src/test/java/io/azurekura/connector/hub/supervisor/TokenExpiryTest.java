package io.azurekura.connector.hub.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenExpiryTest {

    @Test
    void readsSeWhereverItStands() {
        assertThat(TokenExpiry.epochSeconds("SharedAccessSignature sr=h/devices/d&sig=abc&se=1700000000".toCharArray()))
                .isEqualTo(1_700_000_000L);
        assertThat(TokenExpiry.epochSeconds("SharedAccessSignature se=42&sr=h/devices/d&sig=abc".toCharArray()))
                .isEqualTo(42L);
        assertThat(TokenExpiry.epochSeconds(
                "SharedAccessSignature sr=h/devices/d&sig=abc&se=1700000000&skn=policy".toCharArray()))
                .isEqualTo(1_700_000_000L);
    }

    @Test
    void ignoresLookalikesAndGarbage() {
        // "sig" ends in neither "se=" nor does "xse=" start a field.
        assertThat(TokenExpiry.epochSeconds("SharedAccessSignature sr=h/devices/d&xse=5&sig=se%3D".toCharArray()))
                .isEqualTo(TokenExpiry.UNKNOWN);
        assertThat(TokenExpiry.epochSeconds("SharedAccessSignature sr=a&se=&sig=b".toCharArray()))
                .isEqualTo(TokenExpiry.UNKNOWN);
        assertThat(TokenExpiry.epochSeconds(new char[0])).isEqualTo(TokenExpiry.UNKNOWN);
    }
}
