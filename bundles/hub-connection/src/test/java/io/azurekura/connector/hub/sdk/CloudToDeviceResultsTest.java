package io.azurekura.connector.hub.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;

import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.hub.client.CloudToDeviceDisposition;

class CloudToDeviceResultsTest {

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = { "AMQPS", "AMQPS_WS" })
    void amqpAbandonsForRedeliveryAndRejectsWhatIsGivenUp(Transport transport) {
        assertThat(CloudToDeviceResults.toSdk(CloudToDeviceDisposition.TAKEN, transport))
                .isEqualTo(IotHubMessageResult.COMPLETE);
        assertThat(CloudToDeviceResults.toSdk(CloudToDeviceDisposition.RETURN, transport))
                .isEqualTo(IotHubMessageResult.ABANDON);
        assertThat(CloudToDeviceResults.toSdk(CloudToDeviceDisposition.GIVE_UP, transport))
                .isEqualTo(IotHubMessageResult.REJECT);
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = { "MQTT", "MQTT_WS" })
    void mqttWithholdsThePubackForRedeliveryAndAcknowledgesWhatIsGivenUp(Transport transport) {
        assertThat(CloudToDeviceResults.toSdk(CloudToDeviceDisposition.TAKEN, transport))
                .isEqualTo(IotHubMessageResult.COMPLETE);
        assertThatThrownBy(() -> CloudToDeviceResults.toSdk(CloudToDeviceDisposition.RETURN, transport))
                .isInstanceOf(CloudToDeviceResults.NotTakenException.class);
        assertThat(CloudToDeviceResults.toSdk(CloudToDeviceDisposition.GIVE_UP, transport))
                .isEqualTo(IotHubMessageResult.COMPLETE);
    }

    @Test
    void theWithheldAcknowledgementCarriesNoStackTraceOrContent() {
        CloudToDeviceResults.NotTakenException e = new CloudToDeviceResults.NotTakenException();
        assertThat(e.getStackTrace()).isEmpty();
        assertThat(e.getMessage()).doesNotContain("sig=");
    }
}
