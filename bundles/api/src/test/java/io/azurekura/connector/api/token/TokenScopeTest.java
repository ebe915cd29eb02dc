package io.azurekura.connector.api.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenScopeTest {

    @Test
    void deviceModuleAndDpsAudiences() {
        assertThat(TokenScope.device("MyHub.azure-devices.net", "dev1").resourceUri())
                .isEqualTo("myhub.azure-devices.net/devices/dev1");
        assertThat(TokenScope.module("h", "dev1", "mod1").resourceUri()).isEqualTo("h/devices/dev1/modules/mod1");
        assertThat(TokenScope.dpsRegistration("0ne00ABC", "reg-1").resourceUri())
                .isEqualTo("0ne00ABC/registrations/reg-1");
    }

    @Test
    void encodedAudienceIsLowerCaseAndFullyUrlEncoded() {
        assertThat(TokenScope.device("MyHub.azure-devices.net", "Dev1").encodedAudience())
                .isEqualTo("myhub.azure-devices.net%2Fdevices%2Fdev1");
    }

    @Test
    void matchesEverySpellingIotHubAccepts() {
        TokenScope scope = TokenScope.device("myhub.azure-devices.net", "dev1");
        assertThat(scope.matchesAudience("myhub.azure-devices.net/devices/dev1")).isTrue();
        assertThat(scope.matchesAudience("myhub.azure-devices.net%2fdevices%2fdev1")).isTrue();
        assertThat(scope.matchesAudience("MYHUB.azure-devices.net%2FDEVICES%2FDev1")).isTrue();
        assertThat(scope.matchesAudience("myhub.azure-devices.net/devices/dev2")).isFalse();
        assertThat(scope.matchesAudience("myhub.azure-devices.net/devices/dev1/modules/m")).isFalse();
        assertThat(scope.matchesAudience("myhub.azure-devices.net/devices")).isFalse();
        assertThat(scope.matchesAudience(null)).isFalse();
    }

    @Test
    void specialCharactersInIdsAreEncodedAsTheSdkDoes() {
        TokenScope scope = TokenScope.device("h", "dev#1");
        assertThat(scope.resourceUri()).isEqualTo("h/devices/dev%231");
        assertThat(scope.matchesAudience("h/devices/dev%231")).isTrue();
        assertThat(scope.matchesAudience("h%2Fdevices%2Fdev%25231")).isTrue();
    }

    @Test
    void equalityFollowsTheAudienceRules() {
        assertThat(TokenScope.device("HUB", "Dev1")).isEqualTo(TokenScope.device("hub", "dev1"))
                .hasSameHashCodeAs(TokenScope.device("hub", "dev1"));
        assertThat(TokenScope.device("hub", "dev1")).isNotEqualTo(TokenScope.module("hub", "dev1", "m"));
    }

    @Test
    void rejectsEmptyOrWhitespaceIds() {
        assertThatThrownBy(() -> TokenScope.device("", "d")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenScope.device("h", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenScope.device("h", "a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenScope.dpsRegistration("s", "r\nx")).isInstanceOf(IllegalArgumentException.class);
    }
}
