package io.azurekura.connector.hub.client;

import java.util.Optional;

import io.azurekura.connector.api.hub.TelemetryMessage;

/** Makes clients for one wire implementation (the Azure SDK in production, fakes in tests). */
public interface HubClientFactory {

    HubClient create(ClientSpec spec, HubClientListener listener);

    /** Why this implementation could never send the message (reserved property name, too large), if it could not. */
    Optional<String> problemWith(TelemetryMessage message);
}
