package io.azurekura.connector.sts.internal;

/** What the token server's response body looks like. */
public enum ResponseFormat {
    /** The body is the token (Microsoft's sample contract). */
    TEXT,
    /** The body is a JSON object; the token is in a configured field. */
    JSON
}
