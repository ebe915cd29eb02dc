package io.azurekura.connector.dps.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HubHostRuleTest {

    private final HubHostRule azure = HubHostRule.azureClouds();

    @ParameterizedTest
    @ValueSource(strings = { "myhub.azure-devices.net", "MyHub.Azure-Devices.NET", "myhub.device.azure-devices.net",
            "hub-1.azure-devices.cn", "gov.azure-devices.us" })
    void azureHubsInTodaysCloudsAreAccepted(String host) {
        assertThat(this.azure.problem(host)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "attacker.example.net", "evilazure-devices.net", "azure-devices.net.attacker.net",
            "hub.azure-devices.de", "hub.azure-devices.net:443", "hub.azure-devices.net/x", "u@hub.azure-devices.net",
            "hub.azure-devices.net.", "-hub.azure-devices.net", "hub..azure-devices.net", "127.0.0.1", "[::1]", "",
            "hub.azure-devices.net?x", "hub.azure-devices.net#f", "h\u00fcb.azure-devices.net" })
    void anythingElseIsRefused(String host) {
        assertThat(this.azure.problem(host)).isPresent();
    }

    @Test
    void anIpLiteralNeedsTheSwitchAndAWholeEntry() {
        assertThat(new HubHostRule(List.of("127.0.0.1"), true).problem("127.0.0.1")).isEmpty();
        assertThat(new HubHostRule(List.of("127.0.0.1", "localhost"), true).problem("127.0.0.2")).isPresent();
        assertThat(new HubHostRule(List.of("localhost"), false).problem("127.0.0.1")).hasValueSatisfying(
                problem -> assertThat(problem).contains("dps.hub.allow.ip.literals"));
        assertThatThrownBy(() -> new HubHostRule(List.of("127.0.0.1"), false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void problemsNeverCarryControlCharacters() {
        assertThat(this.azure.problem("x\r\nFORGED").orElseThrow()).doesNotContain("\r", "\n")
                .contains("\\u000D\\u000A");
    }

    @Test
    void suffixesMustBeHostNames() {
        assertThatThrownBy(() -> new HubHostRule(List.of("bad host"), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HubHostRule(List.of(), false)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new HubHostRule(List.of(".Example.COM"), false).allowedSuffixes()).containsExactly("example.com");
    }
}
