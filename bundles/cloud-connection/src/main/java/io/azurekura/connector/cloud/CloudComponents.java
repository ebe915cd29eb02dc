package io.azurekura.connector.cloud;

/**
 * The names Kura's web console and ConfigurationService use to find this connection type and its parts
 * (docs/kura-conventions.md "Cloud connections"), in one place: the component PIDs, the stack components' naming, and
 * Kura's UI properties.
 */
public final class CloudComponents {

    /** The CloudConnectionFactory service's own {@code service.pid}, stored in each endpoint it creates. */
    public static final String CONNECTION_FACTORY_PID = "io.azurekura.connector.cloud.AzureIotHubConnectionFactory";
    /** Factory PID of the endpoint component: what {@code CloudConnectionFactory.getFactoryPid()} returns. */
    public static final String ENDPOINT_FACTORY_PID = "io.azurekura.connector.cloud.AzureIotHubEndpoint";
    public static final String PUBLISHER_FACTORY_PID = "io.azurekura.connector.cloud.AzureIotHubPublisher";
    public static final String SUBSCRIBER_FACTORY_PID = "io.azurekura.connector.cloud.AzureIotHubSubscriber";
    public static final String DEMO_PUBLISHER_FACTORY_PID = "io.azurekura.connector.cloud.demo.DemoPublisher";

    /** The connection type's name as Kura users see it. */
    public static final String CONNECTION_TYPE_NAME = "Azure IoT Hub (token server)";

    /** The connection's {@code kura.service.pid} Kura's "New connection" dialog suggests. */
    public static final String DEFAULT_ENDPOINT_PID = "io.azurekura.connector.cloud.CloudEndpoint";
    /** Connection pids this factory accepts: the default, optionally with a {@code -suffix} (as Kura's own). */
    public static final String ENDPOINT_PID_REGEX = "^io\\.azurekura\\.connector\\.cloud\\.CloudEndpoint"
            + "(\\-[a-zA-Z0-9]+)?$";
    /** The stack's hub connection instance: this prefix plus the connection's suffix. */
    public static final String HUB_CONNECTION_PID_PREFIX = "io.azurekura.connector.cloud.HubConnection";
    /** The stack's DPS provisioner instance: this prefix plus the connection's suffix. */
    public static final String PROVISIONER_PID_PREFIX = "io.azurekura.connector.cloud.DpsProvisioner";

    /** Factory PIDs of the stack components provided by the hub-connection and dps-provisioner bundles. */
    public static final String HUB_CONNECTION_FACTORY_PID = "io.azurekura.connector.hub.HubConnectionManager";
    public static final String PROVISIONER_FACTORY_PID = "io.azurekura.connector.dps.DpsProvisioner";
    /** The singleton token cache every stack uses by default. */
    public static final String TOKEN_CACHE_FILTER = "(service.pid=io.azurekura.connector.cache.TokenCache)";

    /**
     * Service property of the token cache gate an endpoint registers while it is to be connected; the stack's hub
     * connection selects the gate with {@code SasTokenCache.target=(this=<endpoint pid>)}.
     */
    public static final String GATE_ENDPOINT_PROPERTY = "azurekura.cloud.endpoint";

    // Kura's property names (docs/kura-conventions.md "Configurable components and metatype", "Cloud connections")
    public static final String KURA_SERVICE_PID = "kura.service.pid";
    public static final String KURA_UI_SERVICE_HIDE = "kura.ui.service.hide";
    public static final String KURA_UI_FACTORY_HIDE = "kura.ui.factory.hide";
    public static final String KURA_UI_CSF_PID_DEFAULT = "kura.ui.csf.pid.default";
    public static final String KURA_UI_CSF_PID_REGEX = "kura.ui.csf.pid.regex";
    /** CloudConnectionConstants.CLOUD_CONNECTION_FACTORY_PID_PROP_NAME, as a compile-time constant. */
    public static final String CLOUD_CONNECTION_FACTORY_PID = "cloud.connection.factory.pid";
    /** CloudConnectionConstants.CLOUD_ENDPOINT_SERVICE_PID_PROP_NAME, as a compile-time constant. */
    public static final String CLOUD_ENDPOINT_SERVICE_PID = "cloud.endpoint.service.pid";

    private CloudComponents() {
    }
}
