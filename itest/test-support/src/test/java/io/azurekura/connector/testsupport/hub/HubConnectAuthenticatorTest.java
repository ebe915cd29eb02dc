package io.azurekura.connector.testsupport.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasSigner.ResourceForm;

class HubConnectAuthenticatorTest {

    private static final long NOW = 1_700_000_000L;
    private static final String USERNAME_TAIL = "/?api-version=2020-09-30&DeviceClientType=x%2F1";

    private final DeviceRegistry registry = new DeviceRegistry();
    private final String deviceKey = SasSigner.newKey();
    private final String moduleKey = SasSigner.newKey();
    private final ConnectAuthenticator authenticator = new ConnectAuthenticator(this.registry,
            () -> new LinkedHashSet<>(List.of("localhost", "127.0.0.1")));

    HubConnectAuthenticatorTest() {
        this.registry.add("dev1", null, this.deviceKey);
        this.registry.add("dev1", "mod1", this.moduleKey);
    }

    private static String token(String resource, String key, long se, ResourceForm form) {
        return SasSigner.sign(resource, key, se, null, form);
    }

    @Test
    void acceptsTheSdkFormWithTheTokenExpiry() {
        ConnectAuthenticator.Outcome outcome = this.authenticator.authenticate("dev1", "localhost/dev1" + USERNAME_TAIL,
                token("localhost/devices/dev1", this.deviceKey, NOW + 60, ResourceForm.PLAIN), NOW);

        assertThat(outcome.accepted()).isTrue();
        assertThat(outcome.identity().deviceId()).isEqualTo("dev1");
        assertThat(outcome.tokenExpiryEpochSeconds()).isEqualTo(NOW + 60);
    }

    @Test
    void acceptsEncodedLowerCaseAudienceAndCaseInsensitiveHost() {
        ConnectAuthenticator.Outcome outcome = this.authenticator.authenticate("dev1", "LocalHost/dev1" + USERNAME_TAIL,
                token("LOCALHOST/devices/dev1", this.deviceKey, NOW + 60, ResourceForm.ENCODED_LOWER_CASE), NOW);

        assertThat(outcome.accepted()).isTrue();
    }

    @Test
    void acceptsModules() {
        ConnectAuthenticator.Outcome outcome = this.authenticator.authenticate("dev1/mod1",
                "127.0.0.1/dev1/mod1" + USERNAME_TAIL,
                token("127.0.0.1/devices/dev1/modules/mod1", this.moduleKey, NOW + 60, ResourceForm.PLAIN), NOW);

        assertThat(outcome.accepted()).isTrue();
        assertThat(outcome.identity().moduleId()).isEqualTo("mod1");
    }

    @Test
    void refusesEachCredentialProblemWithItsReason() {
        String good = token("localhost/devices/dev1", this.deviceKey, NOW + 60, ResourceForm.PLAIN);
        String user = "localhost/dev1" + USERNAME_TAIL;

        assertThat(refusal("dev1", "otherhost/dev1" + USERNAME_TAIL, good)).isEqualTo(ConnectRefusal.BAD_USERNAME);
        assertThat(refusal("dev1", "localhost/dev2" + USERNAME_TAIL, good)).isEqualTo(ConnectRefusal.BAD_USERNAME);
        assertThat(refusal("dev1", "localhost/dev1/?DeviceClientType=x", good))
                .isEqualTo(ConnectRefusal.BAD_USERNAME);
        assertThat(refusal("dev1", null, good)).isEqualTo(ConnectRefusal.BAD_USERNAME);
        assertThat(refusal("dev9", "localhost/dev9" + USERNAME_TAIL, good))
                .isEqualTo(ConnectRefusal.UNKNOWN_IDENTITY);
        assertThat(refusal("dev1", user, null)).isEqualTo(ConnectRefusal.MISSING_TOKEN);
        assertThat(refusal("dev1", user, "not a token")).isEqualTo(ConnectRefusal.MALFORMED_TOKEN);
        assertThat(refusal("dev1", user, token("localhost/devices/dev2", this.deviceKey, NOW + 60, ResourceForm.PLAIN)))
                .isEqualTo(ConnectRefusal.WRONG_AUDIENCE);
        assertThat(refusal("dev1", user, token("localhost/devices/dev1", this.moduleKey, NOW + 60, ResourceForm.PLAIN)))
                .isEqualTo(ConnectRefusal.BAD_SIGNATURE);
        assertThat(refusal("dev1", user, token("localhost/devices/dev1", this.deviceKey, NOW, ResourceForm.PLAIN)))
                .isEqualTo(ConnectRefusal.EXPIRED_TOKEN);
        // a device token does not open a module's connection
        assertThat(refusal("dev1/mod1", "localhost/dev1/mod1" + USERNAME_TAIL, good))
                .isEqualTo(ConnectRefusal.WRONG_AUDIENCE);
    }

    @Test
    void everyCredentialRefusalIsConnack5() {
        for (ConnectRefusal refusal : ConnectRefusal.values()) {
            if (refusal.isAuthFailure()) {
                assertThat(refusal.returnCode()).isEqualTo(5);
            }
        }
        assertThat(ConnectRefusal.THROTTLED.returnCode()).isEqualTo(3);
        assertThat(Set.of(ConnectRefusal.THROTTLED, ConnectRefusal.UNSUPPORTED_PROTOCOL))
                .noneMatch(ConnectRefusal::isAuthFailure);
    }

    private ConnectRefusal refusal(String clientId, String username, String password) {
        ConnectAuthenticator.Outcome outcome = this.authenticator.authenticate(clientId, username, password, NOW);
        assertThat(outcome.accepted()).isFalse();
        return outcome.refusal();
    }
}
