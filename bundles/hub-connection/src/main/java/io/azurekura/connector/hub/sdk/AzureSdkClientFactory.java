package io.azurekura.connector.hub.sdk;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import com.microsoft.azure.sdk.iot.device.MessageProperty;

import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientFactory;
import io.azurekura.connector.hub.client.HubClientListener;

/** Clients made with the Azure IoT device SDK ({@code DeviceClient} / {@code ModuleClient}, SAS token provider). */
public final class AzureSdkClientFactory implements HubClientFactory {

    @Override
    public HubClient create(ClientSpec spec, HubClientListener listener) {
        return new AzureSdkHubClient(spec, listener);
    }

    @Override
    public Optional<String> problemWith(TelemetryMessage message) {
        long size = message.bodyLength();
        for (Map.Entry<String, String> property : message.properties().entrySet()) {
            // The SDK's Message.setProperty throws for these; the hub sets them itself.
            if (MessageProperty.RESERVED_PROPERTY_NAMES.contains(property.getKey())) {
                return Optional.of("'" + property.getKey() + "' is a reserved IoT Hub property name");
            }
            size += property.getKey().getBytes(StandardCharsets.UTF_8).length
                    + property.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        if (size > SdkOutcomes.MAX_MESSAGE_BYTES) {
            return Optional.of("message of " + size + " bytes exceeds IoT Hub's limit of "
                    + SdkOutcomes.MAX_MESSAGE_BYTES + " bytes");
        }
        return Optional.empty();
    }
}
