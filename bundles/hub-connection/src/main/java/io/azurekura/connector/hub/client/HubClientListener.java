package io.azurekura.connector.hub.client;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionReason;

/** What a client reports. Called on SDK threads: implementations hand the work to their own thread and return. */
public interface HubClientListener {

    void onStatus(ClientStatus status, ConnectionReason reason, String detail);

    void onCloudToDevice(CloudToDeviceMessage message);
}
