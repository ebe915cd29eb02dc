package io.azurekura.connector.sts.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = StsClientComponent.PID, name = "Azure IoT token server client",
        description = "Fetches SAS tokens for IoT Hub devices, modules and DPS registrations from your token "
                + "server (STS), so that no device key is stored on this gateway.")
@interface StsClientConfiguration {

    @AttributeDefinition(name = "Token URL (IoT Hub)", required = false,
            description = "URL of the token server for device and module tokens. Placeholders, URL-encoded when "
                    + "filled in: {audience} (e.g. myhub.azure-devices.net/devices/dev1), {hubHost}, {deviceId}, "
                    + "{moduleId}. Example: https://sts.example.com/api/token?sr={audience}")
    String sts_url_device() default "";

    @AttributeDefinition(name = "Token URL (DPS)", required = false,
            description = "URL for DPS registration tokens. Placeholders: {audience} (e.g. "
                    + "0ne00000000/registrations/dev1), {idScope}, {registrationId}. Empty: use the IoT Hub URL.")
    String sts_url_dps() default "";

    @AttributeDefinition(name = "Authentication", description = "How the gateway authenticates to the token "
            + "server.", options = { @Option(label = "None", value = "NONE"),
                    @Option(label = "Bearer token (Authorization header)", value = "BEARER"),
                    @Option(label = "API key header", value = "API_KEY"),
                    @Option(label = "Client certificate (Kura keystore)", value = "CLIENT_CERTIFICATE") })
    String sts_auth_type() default "NONE";

    @AttributeDefinition(name = "Bearer token or API key", type = AttributeType.PASSWORD, required = false,
            description = "The secret sent to the token server for Bearer or API key authentication. Stored "
                    + "encrypted by Kura.")
    String sts_auth_secret() default "";

    @AttributeDefinition(name = "API key header name", required = false,
            description = "HTTP header carrying the API key when Authentication is 'API key header'.")
    String sts_auth_header() default "x-api-key";

    @AttributeDefinition(name = "Response format", description = "Whether the token server answers with the token "
            + "as plain text, or with a JSON object holding it.", options = {
                    @Option(label = "Plain text", value = "TEXT"), @Option(label = "JSON", value = "JSON") })
    String sts_response_format() default "TEXT";

    @AttributeDefinition(name = "JSON field", required = false,
            description = "Name of the JSON field holding the token when the response format is JSON.")
    String sts_response_json_field() default "token";

    @AttributeDefinition(name = "Allow plain HTTP", description = "Allow http:// to a token server that is not on "
            + "this machine. Tokens then travel unencrypted; only for closed test networks.")
    boolean sts_allow_insecure_http() default false;

    @AttributeDefinition(name = "Connect timeout (ms)", min = "100", description = "Give up connecting to the "
            + "token server after this long.")
    int sts_connect_timeout_ms() default 5000;

    @AttributeDefinition(name = "Read timeout (ms)", min = "100", description = "Give up waiting for the token "
            + "server's answer after this long.")
    int sts_read_timeout_ms() default 10000;

    @AttributeDefinition(name = "Maximum response size (bytes)", min = "256", description = "Answers larger "
            + "than this are refused; a SAS token is a few hundred bytes.")
    int sts_response_max_bytes() default 16384;

    @AttributeDefinition(name = "Minimum remaining token life (s)", min = "0", description = "Refuse tokens that "
            + "expire sooner than this.")
    int token_min_remaining_seconds() default 60;

    @AttributeDefinition(name = "Maximum token lifetime (s)", min = "60", description = "Refuse tokens that "
            + "expire further in the future than this (a sign of a wrong clock or wrong units).")
    int token_max_lifetime_seconds() default 604800;

    @AttributeDefinition(name = "Client certificate keystore", required = false,
            description = "Kura keystore holding the client certificate, for Authentication 'Client certificate'.")
    String KeystoreService_target() default "(kura.service.pid=changeme)";

    @AttributeDefinition(name = "Trusted CA keystore", required = false,
            description = "Kura keystore whose certificates are trusted for the token server's TLS certificate. "
                    + "Unset: the Java runtime's default trusted CAs.")
    String TruststoreKeystoreService_target() default "(kura.service.pid=changeme)";
}
