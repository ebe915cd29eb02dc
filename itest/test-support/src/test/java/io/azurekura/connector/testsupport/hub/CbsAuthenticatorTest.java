package io.azurekura.connector.testsupport.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.testsupport.sas.SasSigner;

/** The put-token checks, without a network: what IoT Hub answers 200, 400 or 401. */
class CbsAuthenticatorTest {

    private static final String PUT_TOKEN = "put-token";
    private static final String SAS = "servicebus.windows.net:sastoken";

    private final String key = SasSigner.newKey();
    private final String moduleKey = SasSigner.newKey();
    private final DeviceRegistry registry = new DeviceRegistry();
    private final CbsAuthenticator cbs = new CbsAuthenticator(this.registry, () -> Set.of("localhost", "127.0.0.1"));
    private final long now = Instant.now().getEpochSecond();

    CbsAuthenticatorTest() {
        this.registry.add("dev1", null, this.key);
        this.registry.add("dev1", "mod1", this.moduleKey);
    }

    private String token(String audience, String signingKey, long expiry, SasSigner.ResourceForm form) {
        return SasSigner.sign(audience, signingKey, expiry, null, form);
    }

    @Test
    void aDeviceTokenForTheNamedDeviceIsAcceptedWithItsExpiry() {
        CbsAuthenticator.Outcome outcome = this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/dev1",
                token("localhost/devices/dev1", this.key, this.now + 60, SasSigner.ResourceForm.ENCODED_LOWER_CASE), this.now);

        assertThat(outcome.status()).isEqualTo(200);
        assertThat(outcome.identity().clientId()).isEqualTo("dev1");
        assertThat(outcome.tokenExpiryEpochSeconds()).isEqualTo(this.now + 60);
    }

    @Test
    void aModuleIsNamedByItsDeviceAndToldApartByTheTokensAudience() {
        CbsAuthenticator.Outcome outcome = this.cbs.authenticate(PUT_TOKEN, SAS, "LOCALHOST/devices/dev1",
                token("localhost/devices/dev1/modules/mod1", this.moduleKey, this.now + 60,
                        SasSigner.ResourceForm.PLAIN), this.now);

        assertThat(outcome.status()).isEqualTo(200);
        assertThat(outcome.identity().clientId()).isEqualTo("dev1/mod1");
    }

    @Test
    void credentialProblemsAre401WithTheirReason() {
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/dev1", token("localhost/devices/dev1",
                SasSigner.newKey(), this.now + 60, SasSigner.ResourceForm.PLAIN), this.now))
                .extracting(CbsAuthenticator.Outcome::status, CbsAuthenticator.Outcome::refusal)
                .containsExactly(401, ConnectRefusal.BAD_SIGNATURE);
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/dev1", token("localhost/devices/dev1",
                this.key, this.now - 1, SasSigner.ResourceForm.PLAIN), this.now).refusal())
                .isEqualTo(ConnectRefusal.EXPIRED_TOKEN);
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/dev1", token("localhost/devices/dev2",
                this.key, this.now + 60, SasSigner.ResourceForm.PLAIN), this.now).refusal())
                .isEqualTo(ConnectRefusal.WRONG_AUDIENCE);
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/ghost", token("localhost/devices/ghost",
                this.key, this.now + 60, SasSigner.ResourceForm.PLAIN), this.now).refusal())
                .isEqualTo(ConnectRefusal.UNKNOWN_IDENTITY);
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "otherhub/devices/dev1", token("localhost/devices/dev1",
                this.key, this.now + 60, SasSigner.ResourceForm.PLAIN), this.now).refusal())
                .isEqualTo(ConnectRefusal.WRONG_AUDIENCE);
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/dev1", "not a token", this.now)
                .refusal()).isEqualTo(ConnectRefusal.MALFORMED_TOKEN);
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/dev1", null, this.now).refusal())
                .isEqualTo(ConnectRefusal.MISSING_TOKEN);
    }

    @Test
    void requestsThatAreNotPutTokenForASasTokenAre400() {
        String good = token("localhost/devices/dev1", this.key, this.now + 60, SasSigner.ResourceForm.PLAIN);

        assertThat(this.cbs.authenticate("delete-token", SAS, "localhost/devices/dev1", good, this.now).status())
                .isEqualTo(400);
        assertThat(this.cbs.authenticate(PUT_TOKEN, "jwt", "localhost/devices/dev1", good, this.now).status())
                .isEqualTo(400);
        assertThat(this.cbs.authenticate(PUT_TOKEN, SAS, "localhost/devices/dev1", good, this.now).status())
                .isEqualTo(200);
    }
}
