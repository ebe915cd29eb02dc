package io.azurekura.connector.sts.internal;

import java.time.Duration;

/** Validated settings of the token server client. The secret is held as characters and never printed. */
public final class StsSettings {

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
