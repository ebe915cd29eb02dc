package io.azurekura.connector.cloud.subscriber;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.azurekura.connector.cloud.CloudComponents;

@ObjectClassDefinition(id = CloudComponents.SUBSCRIBER_FACTORY_PID, name = "Azure IoT Hub subscriber",
        description = "Delivers the cloud-to-device messages IoT Hub sends to this connection's device to Kura "
                + "applications and Wires graphs: the message body as payload body, its application properties "
                + "as message properties. Optionally only messages carrying a given property.")
@interface SubscriberConfiguration {

    @AttributeDefinition(name = "Filter property name", required = false,
            description = "Deliver only cloud-to-device messages with this application property. Empty: deliver "
                    + "every message.")
    String filter_property_name() default "";

    @AttributeDefinition(name = "Filter property value", required = false,
            description = "With a filter property name: deliver only messages whose property has this value. "
                    + "Empty: any value.")
    String filter_property_value() default "";
}
