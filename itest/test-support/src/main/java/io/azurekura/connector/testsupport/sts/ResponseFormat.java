package io.azurekura.connector.testsupport.sts;

/** How the reference token server writes the token into a successful response. */
public enum ResponseFormat {
    /** The body is the token itself, {@code text/plain}. */
    TEXT,
    /**
     * The body is {@code {"<field>":"SharedAccessSignature ...","expiresOn":<se>}}, {@code application/json}; the
     * field name is configurable.
     */
    JSON
}
