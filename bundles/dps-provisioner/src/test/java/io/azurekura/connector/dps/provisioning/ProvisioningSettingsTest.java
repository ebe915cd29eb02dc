package io.azurekura.connector.dps.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProvisioningSettingsTest {

    @Test
    void defaultsFollowDpsGuidance() {
        ProvisioningSettings settings = ProvisioningSettings.builder("0ne00ABC", "dev-1").build();

        assertThat(settings.reprovisionPolicy).isEqualTo(ReprovisionPolicy.USE_SAVED);
        assertThat(settings.reprovisionOnHubAuthFailure).isTrue();
        assertThat(settings.pollIntervalDefault).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.payloadJson).isNull();
        assertThat(settings.lookupBeforeRegister).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = { "'' | dev-1 | '' | ID scope is not set",
            "0ne 00 | dev-1 | '' | ID scope '0ne 00' is not valid", "0ne00ABC | '' | '' | registration id is not set",
            "0ne00ABC | dev/1 | '' | registration id has a character that is not allowed at position 4",
            "0ne00ABC | dev-1 | {\"a\": | payload is not valid JSON",
            "0ne00ABC | dev-1 | [1,2] | payload must be a JSON object" })
    void refusesWhatDpsWouldRefuseWithAReadableReason(String idScope, String registrationId, String payload,
            String reason) {
        assertThatThrownBy(() -> ProvisioningSettings.builder(idScope, registrationId).payloadJson(payload).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
    }

    @Test
    void refusesOverlongRegistrationIdsAndInvertedBounds() {
        assertThatThrownBy(() -> ProvisioningSettings.builder("0ne00ABC", "a".repeat(129)).build())
                .hasMessageContaining("at most 128");
        assertThat(ProvisioningSettings.builder("0ne00ABC", "a".repeat(128) ).build().registrationId())
                .hasSize(128);
        assertThatThrownBy(() -> ProvisioningSettings.builder("0ne00ABC", "dev-1")
                .pollInterval(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(3)).build())
                .hasMessageContaining("maximum is below");
        assertThatThrownBy(() -> ProvisioningSettings.builder("0ne00ABC", "dev-1")
                .retry(Duration.ofSeconds(60), Duration.ofSeconds(1)).build()).hasMessageContaining("retry");
    }
}
