package io.azurekura.connector.sts.internal;

import java.time.Duration;

/** Validated settings of the token server client. The secret is held as characters and never printed. */
public final class StsSettings {

    /** Why a configured bearer token or API key cannot be used; names the field, never the value. */
    public static final String SECRET_NOT_SENDABLE = "sts.auth.secret cannot be sent as an HTTP header value: it "
            + "contains a line break, a control character, leading or trailing white space or a non-ASCII "
            + "character (pasted with a newline?); enter it again";

    /**
     * Whether a bearer token or API key can go into a request header as it is: checked at configuration, so a
     * secret pasted with a trailing CR/LF is a configuration problem instead of an exception quoting the header.
     */
    public static boolean isSendableSecret(AuthMode mode, char[] secret) {
        String value = mode == AuthMode.BEARER ? "Bearer " + new String(secret) : new String(secret);
        return io.azurekura.connector.common.http.HttpSyntax.isFieldValue(value);
    }

    final UrlTemplate hubTemplate;
    final UrlTemplate dpsTemplate;
    final AuthMode authMode;
    final char[] secret;
    final String apiKeyHeader;
    final ResponseFormat responseFormat;
    final String jsonField;
    final Duration connectTimeout;
    final Duration readTimeout;
    final int maxResponseBytes;
    final TokenValidator validator;

    public StsSettings(UrlTemplate hubTemplate, UrlTemplate dpsTemplate, AuthMode authMode, char[] secret,
            String apiKeyHeader, ResponseFormat responseFormat, String jsonField, Duration connectTimeout,
            Duration readTimeout, int maxResponseBytes, TokenValidator validator) {
        this.hubTemplate = hubTemplate;
        this.dpsTemplate = dpsTemplate == null ? hubTemplate : dpsTemplate;
        this.authMode = authMode;
        this.secret = secret == null ? new char[0] : secret.clone();
        this.apiKeyHeader = apiKeyHeader;
        this.responseFormat = responseFormat;
        this.jsonField = jsonField;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.maxResponseBytes = maxResponseBytes;
        this.validator = validator;
    }

    @Override
    public String toString() {
        return "StsSettings[url=" + this.hubTemplate + ", auth=" + this.authMode + ", format=" + this.responseFormat
                + "]";
    }
}
