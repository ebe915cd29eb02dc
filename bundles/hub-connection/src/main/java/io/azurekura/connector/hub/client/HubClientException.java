package io.azurekura.connector.hub.client;

import io.azurekura.connector.api.hub.ConnectionReason;

/** Opening a client failed; the reason classifies why. The message never contains token material. */
public final class HubClientException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient ConnectionReason reason;

    public HubClientException(ConnectionReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ConnectionReason reason() {
        return this.reason;
    }
}
