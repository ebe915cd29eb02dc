package io.azurekura.connector.dps.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GlobalEndpointTest {

    @ParameterizedTest
    @CsvSource({ "global.azure-devices-provisioning.net, https://global.azure-devices-provisioning.net",
            "localhost:8443, https://localhost:8443", " dps.example.com:443 , https://dps.example.com:443",
            "https://dps.example.com/, https://dps.example.com",
            "HTTPS://dps.example.com:9000, https://dps.example.com:9000",
            "http://127.0.0.1:8080, http://127.0.0.1:8080", "http://localhost:8080/, http://localhost:8080",
            "http://[::1]:8080, http://[::1]:8080" })
    void acceptsHostPortAndUrls(String text, String base) {
        assertThat(GlobalEndpoint.parse(text, false).base()).hasToString(base);
    }

    @Test
    void plainHttpToAnotherMachineNeedsExplicitConsent() {
        assertThatThrownBy(() -> GlobalEndpoint.parse("http://dps.example.com", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dps.allow.insecure.http");
        assertThatThrownBy(() -> GlobalEndpoint.parse("http://10.0.0.1:80", false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(GlobalEndpoint.parse("http://dps.example.com", true).isHttps()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "  ", "ftp://dps.example.com", "https://dps.example.com/path", "host:0",
            "host:99999", "host:abc", "user@host", "https://", "dps.example.com?x=1" })
    void refusesWhatIsNotAnEndpoint(String text) {
        assertThatThrownBy(() -> GlobalEndpoint.parse(text, true)).isInstanceOf(IllegalArgumentException.class);
    }
}
