package io.azurekura.connector.api.token;

/** A token text that the Azure SDK or IoT Hub would reject. The message never contains token material. */
public final class SasTokenFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public SasTokenFormatException(String message) {
        super(message);
    }
}
