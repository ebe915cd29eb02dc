package org.eclipse.kura.cloudconnection;

/** Signature-compatible declaration of Kura's cloud connection property names. */
public enum CloudConnectionConstants {

    CLOUD_ENDPOINT_SERVICE_PID_PROP_NAME("cloud.endpoint.service.pid"),

    CLOUD_CONNECTION_FACTORY_PID_PROP_NAME("cloud.connection.factory.pid");

    private final String value;

    CloudConnectionConstants(final String value) {
        this.value = value;
    }

    public String value() {
        return this.value;
    }
}
