package io.azurekura.connector.cloud.publisher;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import io.azurekura.connector.cloud.CloudComponents;

@ObjectClassDefinition(id = CloudComponents.PUBLISHER_FACTORY_PID, name = "Azure IoT Hub publisher",
        description = "Sends the messages of Kura applications and Wires graphs to IoT Hub as device-to-cloud "
                + "telemetry through its cloud connection. Point an application's or a Wires CloudPublisher's "
                + "CloudPublisher.target at this publisher's pid.")
@interface PublisherConfiguration {

    @AttributeDefinition(name = "Body encoding", options = {
            @Option(label = "JSON: timestamp, position and typed metrics (application/json, utf-8)", value = "JSON"),
            @Option(label = "Raw: the payload body as it is", value = "RAW") },
            description = "How a Kura payload becomes the message body. JSON makes the metrics queryable by IoT Hub "
                    + "message routing, e.g. $body.metrics.temperature.value > 30. Raw sends only the payload's "
                    + "body bytes, for applications that build their own body.")
    String body_encoding() default "JSON";

    @AttributeDefinition(name = "Raw body content type", required = false,
            description = "Content type sent with raw bodies, e.g. application/octet-stream or text/plain. Empty "
                    + "for none. JSON bodies are always application/json.")
    String content_type() default "";

    @AttributeDefinition(name = "Raw body content encoding", required = false,
            description = "Content encoding sent with raw bodies, e.g. utf-8. Empty for none.")
    String content_encoding() default "";

    @AttributeDefinition(name = "Application properties", required = false,
            description = "Properties added to every message as IoT Hub application properties, as name=value "
                    + "pairs separated by ';', e.g. site=plant-9; line=3. A property of the same name in the "
                    + "application's message takes precedence.")
    String application_properties() default "";
}
