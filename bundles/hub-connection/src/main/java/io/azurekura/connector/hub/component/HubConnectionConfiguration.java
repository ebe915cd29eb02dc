package io.azurekura.connector.hub.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = HubConnectionManager.PID, name = "Azure IoT Hub connection",
        description = "Keeps one IoT Hub identity (a device, or a module of a device) connected with SAS tokens "
                + "from the token cache, and lets other applications on the gateway send telemetry and receive "
                + "cloud-to-device messages through it. Create one instance per identity.")
@interface HubConnectionConfiguration {

    @AttributeDefinition(name = "Identity source", options = {
            @Option(label = "Static: the hub host name and device id below", value = "STATIC"),
            @Option(label = "DPS: assigned by a device provisioner", value = "DPS") },
            description = "Where the hub host name and device id come from. With DPS they come from the device "
                    + "provisioner selected below, and change when it reprovisions.")
    String identity_source() default "STATIC";

    @AttributeDefinition(name = "IoT Hub host name", required = false,
            description = "The hub's host name, e.g. myhub.azure-devices.net, without https:// or port. "
                    + "Static identity only.")
    String hub_host() default "";

    @AttributeDefinition(name = "Device id", required = false,
            description = "The device id registered in IoT Hub. Static identity only.")
    String device_id() default "";

    @AttributeDefinition(name = "Module id", required = false,
            description = "Connect as this module of the device instead of as the device itself. Leave empty "
                    + "for a device connection. Applies to both identity sources.")
    String module_id() default "";

    @AttributeDefinition(name = "Device provisioner filter",
            description = "OSGi filter selecting the DPS device provisioner, when the identity source is DPS.")
    String DeviceProvisioner_target() default "(kura.service.pid=changeme)";

    @AttributeDefinition(name = "Transport", options = {
            @Option(label = "MQTT (port 8883)", value = "MQTT"),
            @Option(label = "MQTT over WebSocket (port 443)", value = "MQTT_WS"),
            @Option(label = "AMQP (port 5671)", value = "AMQPS"),
            @Option(label = "AMQP over WebSocket (port 443)", value = "AMQPS_WS") },
            description = "Protocol to IoT Hub. With MQTT the connection is renewed by a short planned reconnect "
                    + "when a new token arrives; AMQP renews the token on the open connection.")
    String transport() default "MQTT";

    @AttributeDefinition(name = "Share one AMQP connection per hub",
            description = "AMQP transports only. On: this device identity shares one AMQP connection with every other "
                    + "connection instance on this gateway that has this option on and the same hub host name (up to "
                    + "1000 devices per connection, 500 over WebSocket; more open another connection). Each identity "
                    + "still renews its own token on the shared connection. Saves a TLS connection and the Azure "
                    + "SDK's worker threads per identity, which matters from tens of identities on. Modules cannot "
                    + "share a connection (Azure SDK limit): with a module id set, leave this off (on, the connection "
                    + "reports a configuration problem and does not connect). Off: one connection per identity.")
    boolean amqp_multiplexing() default false;

    @AttributeDefinition(name = "New connections per second (gateway)", min = "1", max = "1000",
            description = "How many new connections all connection instances of this gateway together may open "
                    + "per second, so that after a restart many identities neither flood IoT Hub (which throttles "
                    + "new connections per hub) nor the token server. Shared by all instances: the value of the "
                    + "instance configured most recently applies to all.")
    int connect_rate_per_second() default 10;

    @AttributeDefinition(name = "New connection burst (gateway)", min = "1", max = "1000",
            description = "How many new connections may start at once before the per-second rate applies. Shared "
                    + "by all instances like the rate.")
    int connect_burst() default 10;

    @AttributeDefinition(name = "Keep-alive (s)", min = "10", max = "1767",
            description = "MQTT keep-alive and AMQP idle timeout. IoT Hub allows at most 1767 s; NAT routers "
                    + "that drop idle connections need less.")
    int keep_alive_seconds() default 230;

    @AttributeDefinition(name = "Operation timeout (s)", min = "10",
            description = "How long the SDK keeps reconnecting (and retrying a message) by itself before giving "
                    + "up; the connection manager then opens a new client after the reconnect delay.")
    int operation_timeout_seconds() default 240;

    @AttributeDefinition(name = "First reconnect delay (ms)", min = "100",
            description = "Wait at least this long before opening a new client after a failed connection. Waits "
                    + "double (with random jitter) up to the maximum reconnect delay; reconnecting never stops.")
    int reconnect_initial_delay_ms() default 1000;

    @AttributeDefinition(name = "Maximum reconnect delay (ms)", min = "1000",
            description = "Upper bound of the wait between reconnect attempts.")
    int reconnect_max_delay_ms() default 60000;

    @AttributeDefinition(name = "Renew MQTT connections before the token expires",
            description = "When the token cache renews this identity's token, reconnect with the new token before "
                    + "the old one expires, so IoT Hub never has to cut the connection. Off means the Azure SDK's "
                    + "own behaviour: the hub disconnects at expiry (up to 10 minutes late) and the SDK reconnects.")
    boolean renewal_reconnect_enabled() default true;

    @AttributeDefinition(name = "Renewal reconnect jitter (s)", min = "0",
            description = "Wait a random time up to this long (at most half of the old token's remaining life) "
                    + "before the planned reconnect, so identities renewed together do not reconnect together.")
    int renewal_reconnect_jitter_seconds() default 30;

    @AttributeDefinition(name = "Refused tokens before reprovisioning", min = "1",
            description = "DPS identity only: after IoT Hub refused this many freshly renewed tokens in a row, ask "
                    + "the device provisioner to reprovision. Network errors never count.")
    int bad_credential_reprovision_threshold() default 3;

    @AttributeDefinition(name = "Outbound queue capacity", min = "1", max = "1000000",
            description = "Messages held while disconnected plus messages awaiting the hub's acknowledgement. "
                    + "When full, new messages are refused at once with QUEUE_FULL.")
    int queue_capacity() default 1000;

    @AttributeDefinition(name = "Message timeout (s)", min = "1",
            description = "A message not acknowledged by IoT Hub within this time after it was sent to the "
                    + "connection fails with TIMED_OUT.")
    int message_timeout_seconds() default 300;

    @AttributeDefinition(name = "Cloud-to-device listener timeout (s)", min = "1", max = "600",
            description = "How long a cloud-to-device message waits for the listeners to return. A message is "
                    + "acknowledged to IoT Hub only after they did; if one fails or is slower, IoT Hub delivers it "
                    + "again (AMQP at once, MQTT after the next reconnect), at most 3 times.")
    int c2d_listener_timeout_seconds() default 10;

    @AttributeDefinition(name = "Trusted CAs", options = {
            @Option(label = "Java's default trust store", value = "SYSTEM"),
            @Option(label = "Kura trust store (keystore service below)", value = "KEYSTORE"),
            @Option(label = "PEM file (path below)", value = "PEM_FILE") },
            description = "Which certificate authorities to trust for the hub's TLS certificate. Java's default "
                    + "store includes the public CAs IoT Hub uses.")
    String trust_source() default "SYSTEM";

    @AttributeDefinition(name = "Trusted CA PEM file", required = false,
            description = "Path to a PEM file with the CA certificates to trust, when Trusted CAs is PEM file.")
    String trust_pem_file() default "";

    @AttributeDefinition(name = "Trust store service filter",
            description = "OSGi filter selecting the Kura keystore service that holds the trusted CAs, when "
                    + "Trusted CAs is Kura trust store.")
    String TruststoreKeystoreService_target() default "(kura.service.pid=SSLKeystore)";

    @AttributeDefinition(name = "Token cache service filter",
            description = "OSGi filter selecting the token cache that supplies this identity's SAS tokens.")
    String SasTokenCache_target() default "(service.pid=io.azurekura.connector.cache.TokenCache)";
}
