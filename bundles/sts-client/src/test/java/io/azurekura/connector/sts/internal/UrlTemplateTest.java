package io.azurekura.connector.sts.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.token.TokenScope;

class UrlTemplateTest {

    @Test
    void expandsMicrosoftsContractWithAnEncodedAudience() {
        UrlTemplate template = UrlTemplate.parse("https://sts.example.com/token?sr={audience}", false);
        assertThat(template.expand(TokenScope.device("MyHub.azure-devices.net", "dev#1")).toString())
                .isEqualTo("https://sts.example.com/token?sr=myhub.azure-devices.net%2Fdevices%2Fdev%25231");
    }

    @Test
    void expandsIdentityPlaceholders() {
        UrlTemplate template = UrlTemplate.parse(
                "https://sts/{hubHost}/{deviceId}/{moduleId}?scope={idScope}&reg={registrationId}", false);
        assertThat(template.expand(TokenScope.module("h", "d/1", "m")).toString())
                .isEqualTo("https://sts/h/d%2F1/m?scope=&reg=");
        assertThat(template.expand(TokenScope.dpsRegistration("0ne001", "r1")).toString())
                .isEqualTo("https://sts///?scope=0ne001&reg=r1");
    }

    @Test
    void refusesPlainHttpExceptToLoopbackOrWhenAllowed() {
        assertThatThrownBy(() -> UrlTemplate.parse("http://sts.example.com/t?sr={audience}", false))
                .hasMessageContaining("plain http");
        assertThat(UrlTemplate.parse("http://sts.example.com/t?sr={audience}", true)).isNotNull();
        assertThat(UrlTemplate.parse("http://127.0.0.1:8080/t?sr={audience}", false)).isNotNull();
        assertThat(UrlTemplate.parse("http://localhost/t", false)).isNotNull();
        assertThat(UrlTemplate.parse("http://[::1]:80/t", false)).isNotNull();
        assertThatThrownBy(() -> UrlTemplate.parse("http://127.0.0.1.evil.com/t", false))
                .hasMessageContaining("plain http");
    }

    @Test
    void classifiesUnusableTemplates() {
        assertThatThrownBy(() -> UrlTemplate.parse("", false)).hasMessageContaining("empty");
        assertThatThrownBy(() -> UrlTemplate.parse("  ", false)).hasMessageContaining("empty");
        assertThatThrownBy(() -> UrlTemplate.parse("ftp://x/y", false)).hasMessageContaining("https://");
        assertThatThrownBy(() -> UrlTemplate.parse("sts.example.com/token", false)).hasMessageContaining("https://");
        assertThatThrownBy(() -> UrlTemplate.parse("https://x/{device}", false)).hasMessageContaining("{device}");
        assertThatThrownBy(() -> UrlTemplate.parse("https://x/a b", false)).hasMessageContaining("not a valid URL");
    }
}
