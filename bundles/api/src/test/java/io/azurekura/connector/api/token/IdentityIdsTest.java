package io.azurekura.connector.api.token;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentityIdsTest {

    @ParameterizedTest
    @ValueSource(strings = { "dev1", "A-b:c.d+e%f_g#h*i?j!k(l)m,n=o@p;q$r's", "x", "..a", "a.." })
    void everyCharacterOfIotHubsAlphabetIsAValidDeviceId(String id) {
        assertThat(IdentityIds.deviceIdProblem(id)).isEmpty();
        assertThat(IdentityIds.isValidDeviceId(id)).isTrue();
    }

    @Test
    void longestValidIdIs128Characters() {
        assertThat(IdentityIds.isValidDeviceId("a".repeat(128))).isTrue();
        assertThat(IdentityIds.deviceIdProblem("a".repeat(129))).hasValue("is 129 characters long (at most 128)");
    }

    @ParameterizedTest
    @ValueSource(strings = { "", ".", "..", "dev 1", "dev/1", "dev\r\nINFO forged", "dév", "tab\t", "back\\slash",
            "quote\"", "<tag>", "a&b", "{x}", "[x]", "~x", "`x`", "x^y", "x|y" })
    void refusesWhatIotHubRefusesAndRelativeSegments(String id) {
        assertThat(IdentityIds.isValidDeviceId(id)).isFalse();
    }

    @Test
    void problemTextNamesThePositionNotTheCharacterItself() {
        assertThat(IdentityIds.deviceIdProblem("ab\ncd")).get().asString()
                .startsWith("has a character that is not allowed at position 3 (U+000A)")
                .doesNotContain("\n");
        assertThat(IdentityIds.deviceIdProblem(null)).hasValue("is empty");
    }

    @Test
    void registrationIdsFollowDpsNarrowerAlphabet() {
        assertThat(IdentityIds.isValidRegistrationId("gateway-1.site_a:x")).isTrue();
        assertThat(IdentityIds.isValidRegistrationId("gw#1")).isFalse();
        assertThat(IdentityIds.isValidRegistrationId("..")).isFalse();
        assertThat(IdentityIds.isValidRegistrationId("r".repeat(129))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "myhub.azure-devices.net", "localhost", "a-b.c", "x" })
    void hubHostNamesAreDnsNamesAlone(String host) {
        assertThat(IdentityIds.hubHostNameProblem(host)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "hub..net", ".hub", "hub.", "-hub.net", "hub-.net", "hub.net:8883", "ssl://hub.net",
            "user@hub.net", "hub.net/path", "hub net", "hüb.net", "hub\r\n.net" })
    void refusesAnythingButAHostName(String host) {
        assertThat(IdentityIds.hubHostNameProblem(host)).isPresent();
    }

    @Test
    void hostNameLengthsFollowDns() {
        assertThat(IdentityIds.hubHostNameProblem("a".repeat(63) + ".net")).isEmpty();
        assertThat(IdentityIds.hubHostNameProblem("a".repeat(64) + ".net")).get().asString().contains("label of 64");
        assertThat(IdentityIds.hubHostNameProblem(("a".repeat(50) + ".").repeat(5) + "net")).get().asString()
                .contains("at most 253");
        assertThat(IdentityIds.hubHostNameProblem("hub\n.net")).get().asString().doesNotContain("\n");
    }
}
