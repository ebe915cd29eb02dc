package io.azurekura.connector.hub.client;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionReason;

/** What a client reports. Called on SDK threads: implementations hand the work to their own thread. */
public interface HubClientListener {

    /** Returns at once. */
    void onStatus(ClientStatus status, ConnectionReason reason, String detail);

    /**
     * Hands a cloud-to-device message to the application's listeners (on another thread) and waits, for a bounded
     * time, for their verdict: the message is acknowledged to the hub only when they took it.
     */
    CloudToDeviceDisposition onCloudToDevice(CloudToDeviceMessage message);
}
