package io.azurekura.connector.hub.sdk;

import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;

import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.hub.client.CloudToDeviceDisposition;

/**
 * Our verdict on a cloud-to-device message in the SDK's terms (docs/hub-delivery.md). SDK 2.5.0 over MQTT sends a
 * PUBACK whatever result the callback returns (ABANDON and REJECT included); the only way to withhold it is to throw
 * from the callback, after which the SDK drops the message from its receive queue without acknowledging it, and IoT
 * Hub sends it again after the next connect.
 */
final class CloudToDeviceResults {

    private CloudToDeviceResults() {
    }

    /** Thrown from the SDK's message callback to withhold the MQTT PUBACK; carries no message content. */
    static final class NotTakenException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        NotTakenException() {
            super("cloud-to-device message not taken by the listeners; left with IoT Hub for redelivery", null,
                    false, false);
        }
    }

    static IotHubMessageResult toSdk(CloudToDeviceDisposition disposition, Transport transport) {
        boolean mqtt = transport == Transport.MQTT || transport == Transport.MQTT_WS;
        switch (disposition) {
        case TAKEN:
            return IotHubMessageResult.COMPLETE;
        case GIVE_UP:
            return mqtt ? IotHubMessageResult.COMPLETE : IotHubMessageResult.REJECT;
        default:
            if (mqtt) {
                throw new NotTakenException();
            }
            return IotHubMessageResult.ABANDON;
        }
    }
}
