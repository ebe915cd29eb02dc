package io.azurekura.connector.hub.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.microsoft.azure.sdk.iot.device.IotHubConnectionStatusChangeReason;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.transport.TransportException;
import com.microsoft.azure.sdk.iot.device.transport.amqps.exceptions.AmqpUnauthorizedAccessException;
import com.microsoft.azure.sdk.iot.device.transport.https.exceptions.UnauthorizedException;
import com.microsoft.azure.sdk.iot.device.transport.mqtt.exceptions.MqttBadUsernameOrPasswordException;
import com.microsoft.azure.sdk.iot.device.transport.mqtt.exceptions.MqttUnauthorizedException;

import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.hub.client.SendResult;

class SdkOutcomesTest {

    @Test
    void connack4ReportedAsCommunicationErrorIsACredentialRefusal() {
        RuntimeException wrapped = new RuntimeException("transport", new MqttBadUsernameOrPasswordException("4"));

        assertThat(SdkOutcomes.reason(IotHubConnectionStatusChangeReason.COMMUNICATION_ERROR, wrapped))
                .isEqualTo(ConnectionReason.BAD_CREDENTIAL);
        assertThat(SdkOutcomes.reason(IotHubConnectionStatusChangeReason.COMMUNICATION_ERROR,
                new RuntimeException("other"))).isEqualTo(ConnectionReason.COMMUNICATION_ERROR);
    }

    @Test
    void multiplexedRegistrationFailuresAreClassified() {
        // a put-token answered 401 (IotHubStatusCode.getConnectionStatusException names it after HTTPS)
        assertThat(SdkOutcomes.registrationFailure(new UnauthorizedException("401")))
                .isEqualTo(ConnectionReason.BAD_CREDENTIAL);
        assertThat(SdkOutcomes.registrationFailure(new AmqpUnauthorizedAccessException("Token Invalid.")))
                .isEqualTo(ConnectionReason.BAD_CREDENTIAL);
        TransportException retryable = new TransportException("connection refused");
        retryable.setRetryable(true);
        assertThat(SdkOutcomes.registrationFailure(retryable)).isEqualTo(ConnectionReason.NO_NETWORK);
        assertThat(SdkOutcomes.registrationFailure(new IotHubClientException(
                IotHubStatusCode.DEVICE_OPERATION_TIMED_OUT, "timed out"))).isEqualTo(ConnectionReason.NO_NETWORK);
        assertThat(SdkOutcomes.registrationFailure(new IllegalStateException("closed")))
                .isEqualTo(ConnectionReason.COMMUNICATION_ERROR);
    }

    @Test
    void sdkReasonsMapOneToOne() {
        assertThat(SdkOutcomes.reason(IotHubConnectionStatusChangeReason.EXPIRED_SAS_TOKEN, null))
                .isEqualTo(ConnectionReason.EXPIRED_SAS_TOKEN);
        assertThat(SdkOutcomes.reason(IotHubConnectionStatusChangeReason.RETRY_EXPIRED, null))
                .isEqualTo(ConnectionReason.RETRY_EXPIRED);
        assertThat(SdkOutcomes.reason(IotHubConnectionStatusChangeReason.NO_NETWORK, null))
                .isEqualTo(ConnectionReason.NO_NETWORK);
        assertThat(SdkOutcomes.reason(IotHubConnectionStatusChangeReason.BAD_CREDENTIAL, null))
                .isEqualTo(ConnectionReason.BAD_CREDENTIAL);
    }

    @Test
    void failedOpensAreClassified() {
        assertThat(SdkOutcomes.openFailure(new IotHubClientException(IotHubStatusCode.UNAUTHORIZED)))
                .isEqualTo(ConnectionReason.BAD_CREDENTIAL);
        assertThat(SdkOutcomes.openFailure(new IotHubClientException(IotHubStatusCode.ERROR, "x",
                new MqttUnauthorizedException("5")))).isEqualTo(ConnectionReason.BAD_CREDENTIAL);
        assertThat(SdkOutcomes.openFailure(new IotHubClientException(IotHubStatusCode.IO_ERROR)))
                .isEqualTo(ConnectionReason.NO_NETWORK);
        assertThat(SdkOutcomes.openFailure(new IotHubClientException(IotHubStatusCode.BAD_FORMAT)))
                .isEqualTo(ConnectionReason.COMMUNICATION_ERROR);
    }

    @Test
    void sendOutcomesSayWhetherToResend() {
        assertThat(SdkOutcomes.sendResult(null).kind()).isEqualTo(SendResult.Kind.ACKNOWLEDGED);
        assertThat(SdkOutcomes.sendResult(new IotHubClientException(IotHubStatusCode.MESSAGE_CANCELLED_ONCLOSE))
                .kind()).isEqualTo(SendResult.Kind.CANCELLED);
        assertThat(SdkOutcomes.sendResult(new IotHubClientException(IotHubStatusCode.THROTTLED)).kind())
                .isEqualTo(SendResult.Kind.RETRYABLE);
        assertThat(SdkOutcomes.sendResult(new IotHubClientException(IotHubStatusCode.UNAUTHORIZED)).kind())
                .isEqualTo(SendResult.Kind.RETRYABLE);
        assertThat(SdkOutcomes.sendResult(new IotHubClientException(IotHubStatusCode.QUOTA_EXCEEDED)))
                .satisfies(r -> {
                    assertThat(r.kind()).isEqualTo(SendResult.Kind.REJECTED);
                    assertThat(r.status()).isEqualTo("QUOTA_EXCEEDED");
                });
    }

    @Test
    void describedErrorsNeverCarryASignature() {
        String text = SdkOutcomes.describe(new IllegalStateException("bad token SharedAccessSignature sr=h&sig=SECRET"
                + "&se=1", new RuntimeException("root")));

        assertThat(text).doesNotContain("SECRET").contains("IllegalStateException").contains("root");
    }

    @Test
    void reservedPropertiesAndOversizedMessagesAreRefusedBeforeQueueing() {
        AzureSdkClientFactory factory = new AzureSdkClientFactory();

        assertThat(factory.problemWith(TelemetryMessage.builder(new byte[1]).property("iothub-messageid", "x")
                .build())).hasValueSatisfying(p -> assertThat(p).contains("reserved"));
        assertThat(factory.problemWith(TelemetryMessage.builder(new byte[SdkOutcomes.MAX_MESSAGE_BYTES + 1])
                .build())).hasValueSatisfying(p -> assertThat(p).contains("limit"));
        assertThat(factory.problemWith(TelemetryMessage.builder(new byte[1024]).property("unit", "C").build()))
                .isEmpty();
    }
}
