package io.azurekura.connector.cloud.message;

import java.util.Date;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.message.KuraPayload;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;

/**
 * Turns a cloud-to-device message into the KuraMessage subscribers receive: the body as the payload body, the
 * receive time as its timestamp, the application properties as message properties, and the hub's system
 * properties under the {@link MessageProperties} names.
 */
public final class CloudToDeviceMapper {

    private CloudToDeviceMapper() {
    }

    /** A new KuraMessage each time: listeners may change the (mutable) message they get. */
    public static KuraMessage toKuraMessage(CloudToDeviceMessage message) {
        KuraPayload payload = new KuraPayload();
        payload.setBody(message.body());
        payload.setTimestamp(Date.from(message.receivedAt()));
        Map<String, Object> properties = new HashMap<>(message.properties());
        message.messageId().ifPresent(id -> properties.put(MessageProperties.MESSAGE_ID, id));
        message.correlationId().ifPresent(id -> properties.put(MessageProperties.CORRELATION_ID, id));
        message.contentType().ifPresent(type -> properties.put(MessageProperties.CONTENT_TYPE, type));
        message.contentEncoding().ifPresent(enc -> properties.put(MessageProperties.CONTENT_ENCODING, enc));
        return new KuraMessage(payload, properties);
    }
}
