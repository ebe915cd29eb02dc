package io.azurekura.connector.testsupport.dps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.microsoft.azure.sdk.iot.provisioning.device.AdditionalData;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClient;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientRegistrationResult;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientStatus;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientSubstatus;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientTransportProtocol;
import com.microsoft.azure.sdk.iot.provisioning.device.internal.exceptions.ProvisioningDeviceClientException;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProviderSymmetricKey;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * Proves the emulator speaks real DPS: Microsoft's own Java DPS client (provisioning-device-client 2.1.3, HTTPS,
 * symmetric key) registers against it. The client signs its own tokens ({@code sr} unencoded, empty {@code skn}),
 * uses api-version 2019-03-31, sends the payload as a JSON string and sleeps Retry-After (2..5 s) between polls, so
 * this covers the spellings our own client does not use. TLS stays verified: the security provider's SSLContext
 * trusts the test CA, and the client checks the host name {@code localhost} against the certificate.
 */
class OfficialDpsClientCrossCheckTest {

    private static final String SCOPE = "0ne00CROSS1";

    /** The SDK's only TLS hook: {@code SecurityProvider.getSSLContext()} is public and not final. */
    private static final class TestCaSymmetricKey extends SecurityProviderSymmetricKey {
        /** The SDK wants the key as the bytes of its base64 text (RegisterTask base64-decodes it before signing). */
        TestCaSymmetricKey(String base64Key, String registrationId) {
            super(base64Key.getBytes(StandardCharsets.US_ASCII), registrationId);
        }

        @Override
        public SSLContext getSSLContext() {
            return TestPki.shared().clientSslContext();
        }
    }

    private DpsEmulator dps;

    @BeforeEach
    void start() {
        // Retry-After 2: the smallest value the SDK honours (it replaces anything outside 2..5 with 2).
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub("crosscheck-hub.azure-devices.net")
                .pollsBeforeAssigned(1).retryAfterSeconds(2).responsePayload("{\"site\":\"plant-9\"}").start();
    }

    @AfterEach
    void stop() {
        this.dps.close();
    }

    private ProvisioningDeviceClientRegistrationResult register(String key, String registrationId,
            AdditionalData data) throws Exception {
        ProvisioningDeviceClient client = ProvisioningDeviceClient.create(this.dps.globalEndpoint(), SCOPE,
                ProvisioningDeviceClientTransportProtocol.HTTPS, new TestCaSymmetricKey(key, registrationId));
        try {
            return client.registerDeviceSync(data, 30);
        } finally {
            client.close();
        }
    }

    @Test
    void officialClientRegistersWithAnIndividualEnrollment() throws Exception {
        String key = SasSigner.newKey();
        this.dps.enrollIndividual("kura-gw-1", key);
        AdditionalData data = new AdditionalData();
        data.setProvisioningPayload("{\"model\":\"gw\"}");

        ProvisioningDeviceClientRegistrationResult result = register(key, "kura-gw-1", data);

        assertThat(result.getProvisioningDeviceClientStatus())
                .isEqualTo(ProvisioningDeviceClientStatus.PROVISIONING_DEVICE_STATUS_ASSIGNED);
        assertThat(result.getIothubUri()).isEqualTo("crosscheck-hub.azure-devices.net");
        assertThat(result.getDeviceId()).isEqualTo("kura-gw-1");
        assertThat(result.getSubstatus()).isEqualTo(ProvisioningDeviceClientSubstatus.INITIAL_ASSIGNMENT);
        assertThat(result.getProvisioningPayload()).isEqualTo("{\"site\":\"plant-9\"}");
        assertThat(result.getETag()).isNotBlank();

        // The SDK's own spellings reached the emulator and passed the real SAS check.
        assertThat(this.dps.lastRequestPayload("kura-gw-1")).isEqualTo("{\"model\":\"gw\"}");
        assertThat(this.dps.requestLog()).allSatisfy(request -> {
            assertThat(request.apiVersion()).isEqualTo("2019-03-31");
            assertThat(request.tokenVerdict()).isEqualTo(SasVerifier.Verdict.OK);
            assertThat(SasVerifier.parse(request.authorization()).keyName).isEmpty();
            assertThat(request.userAgent()).startsWith("com.microsoft.azure.sdk.iot.dps.dps-device-client/");
        });
        assertThat(this.dps.counters("kura-gw-1").registerRequests()).isEqualTo(1);
        assertThat(this.dps.counters("kura-gw-1").operationPolls()).isEqualTo(2);
        assertThat(this.dps.pollLimitViolations()).isZero();
    }

    @Test
    void officialClientRegistersWithAGroupDerivedKey() throws Exception {
        String groupKey = SasSigner.newKey();
        this.dps.enrollGroup("line-4", groupKey);
        // The SDK's own derivation (base64 text in, base64 text out) must agree with the emulator's.
        String deviceKey = new String(SecurityProviderSymmetricKey.ComputeDerivedSymmetricKey(
                groupKey.getBytes(StandardCharsets.US_ASCII), "kura-gw-2"), StandardCharsets.US_ASCII);
        assertThat(deviceKey).isEqualTo(SasSigner.deriveDeviceKey(groupKey, "kura-gw-2"));

        this.dps.setPollsBeforeAssigned(0);
        ProvisioningDeviceClientRegistrationResult result = register(deviceKey, "kura-gw-2", null);

        assertThat(result.getIothubUri()).isEqualTo("crosscheck-hub.azure-devices.net");
        assertThat(result.getDeviceId()).isEqualTo("kura-gw-2");
    }

    @Test
    void officialClientIsRefusedWithAWrongKey() {
        this.dps.enrollIndividual("kura-gw-3", SasSigner.newKey());

        assertThatThrownBy(() -> register(SasSigner.newKey(), "kura-gw-3", null))
                .isInstanceOf(ProvisioningDeviceClientException.class);
        assertThat(this.dps.counters("kura-gw-3").unauthorized()).isEqualTo(1);
        assertThat(this.dps.requestLog()).singleElement().satisfies(request -> {
            assertThat(request.responseStatus()).isEqualTo(401);
            assertThat(request.tokenVerdict()).isEqualTo(SasVerifier.Verdict.BAD_SIGNATURE);
        });
    }
}
