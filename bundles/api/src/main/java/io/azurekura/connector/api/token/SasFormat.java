package io.azurekura.connector.api.token;

/**
 * Wire facts of Azure's shared access signature format, kept in one place.
 * Source: IoT Hub security docs and the Java device SDK's {@code IotHubSasToken} parser (2.5.0).
 */
public final class SasFormat {

    /** The SDK requires exactly this word followed by exactly one space. */
    public static final String PREFIX = "SharedAccessSignature ";
    public static final String FIELD_RESOURCE = "sr";
    public static final String FIELD_SIGNATURE = "sig";
    public static final String FIELD_EXPIRY = "se";
    public static final String FIELD_KEY_NAME = "skn";
    /** DPS documents this policy name for registration tokens ("hard coded to 'registration'"). */
    public static final String DPS_KEY_NAME = "registration";
    /** Shown instead of the signature wherever a token is printed. */
    public static final String REDACTED = "<redacted>";
    /** Far above any real token (a few hundred characters); bounds the work done on hostile input. */
    public static final int MAX_TOKEN_LENGTH = 4096;

    private SasFormat() {
    }
}
