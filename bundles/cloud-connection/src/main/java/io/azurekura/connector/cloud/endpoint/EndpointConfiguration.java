package io.azurekura.connector.cloud.endpoint;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.azurekura.connector.cloud.CloudComponents;

@ObjectClassDefinition(id = CloudComponents.ENDPOINT_FACTORY_PID, name = CloudComponents.CONNECTION_TYPE_NAME,
        description = "An Azure IoT Hub cloud connection using SAS tokens from your token server. Configure the "
                + "hub, the device identity and the transport in the Hub connection tab, and DPS (when the hub "
                + "connection's identity source is DPS) in the DPS provisioner tab. Add publishers and "
                + "subscribers to this connection to send telemetry and receive cloud-to-device messages.")
@interface EndpointConfiguration {

    @AttributeDefinition(name = "Connect automatically",
            description = "Connect when the gateway starts (and when this connection is created). Off: the "
                    + "connection stays disconnected until you press Connect. While disconnected, the Hub "
                    + "connection tab is not shown (its component is stopped).")
    boolean connect_auto() default true;

    @AttributeDefinition(name = "Hub connection filter",
            description = "OSGi filter selecting this connection's hub connection component. Set when the "
                    + "connection is created; leave it unchanged.")
    String HubConnection_target() default "(kura.service.pid=changeme)";

    @AttributeDefinition(name = "Token cache filter",
            description = "OSGi filter selecting the token cache that supplies this connection's SAS tokens.")
    String SasTokenCache_target() default CloudComponents.TOKEN_CACHE_FILTER;
}
