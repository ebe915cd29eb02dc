package io.azurekura.connector.testsupport.sts;

/**
 * The wire contract of a third-party token server as Microsoft's architecture guide "Azure IoT client SDK support
 * for third-party token servers" describes it: the device asks {@code GET ...?sr=<audience>} and receives a SAS
 * token for that audience. Everything the reference server and its tests need to agree on lives here.
 */
public final class StsProtocol {

    /** The query parameter carrying the audience, plain or URL-encoded. */
    public static final String RESOURCE_PARAMETER = "sr";

    /** IoT Hub audiences: {@code {host}/devices/{deviceId}[/modules/{moduleId}]}. */
    public static final String DEVICES_SEGMENT = "devices";
    public static final String MODULES_SEGMENT = "modules";
    /** DPS audiences: {@code {idScope}/registrations/{registrationId}}. */
    public static final String REGISTRATIONS_SEGMENT = "registrations";

    /** The {@code skn} DPS documents for symmetric-key registration tokens; IoT Hub device tokens carry none. */
    public static final String DPS_KEY_NAME = "registration";

    public static final String AUTHORIZATION_HEADER = "Authorization";
    public static final String BEARER_SCHEME = "Bearer";
    public static final String WWW_AUTHENTICATE_HEADER = "WWW-Authenticate";
    public static final String RETRY_AFTER_HEADER = "Retry-After";
    public static final String CONTENT_TYPE_HEADER = "Content-Type";

    public static final String TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";
    public static final String JSON_CONTENT_TYPE = "application/json; charset=utf-8";
    public static final String HTML_CONTENT_TYPE = "text/html; charset=utf-8";

    /** The JSON field holding the token unless configured otherwise (the connector's STS client default too). */
    public static final String DEFAULT_JSON_TOKEN_FIELD = "token";
    /** The JSON field holding {@code se}, epoch seconds, beside the token. */
    public static final String JSON_EXPIRES_ON_FIELD = "expiresOn";

    private StsProtocol() {
    }
}
