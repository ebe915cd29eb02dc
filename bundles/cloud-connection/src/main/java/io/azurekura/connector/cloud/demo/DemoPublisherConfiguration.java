package io.azurekura.connector.cloud.demo;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.azurekura.connector.cloud.CloudComponents;

@ObjectClassDefinition(id = CloudComponents.DEMO_PUBLISHER_FACTORY_PID, name = "Azure IoT Hub demo publisher",
        description = "Publishes a small simulated reading (a counter, a temperature, a flag and its own name) "
                + "through a cloud publisher at a fixed interval, like Kura's example publisher: a quick way to "
                + "see data arrive in IoT Hub. Create an instance and select an Azure IoT Hub publisher.")
@interface DemoPublisherConfiguration {

    @AttributeDefinition(name = "Cloud publisher filter",
            description = "OSGi filter selecting the cloud publisher to publish through, e.g. "
                    + "(kura.service.pid=my-azure-publisher).")
    String CloudPublisher_target() default "(kura.service.pid=changeme)";

    @AttributeDefinition(name = "Publish interval (s)", min = "1", max = "86400",
            description = "Seconds between two readings.")
    int publish_interval_seconds() default 10;

    @AttributeDefinition(name = "Average temperature", min = "-50", max = "150",
            description = "The simulated temperature swings a few degrees around this value.")
    double temperature_average() default 21.5;
}
