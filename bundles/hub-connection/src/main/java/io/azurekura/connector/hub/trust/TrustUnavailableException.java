package io.azurekura.connector.hub.trust;

/** The configured trust source cannot be used (service missing, file unreadable, no certificate). */
public final class TrustUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public TrustUnavailableException(String message) {
        super(message);
    }

    public TrustUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
