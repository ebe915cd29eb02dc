package org.eclipse.kura.cloudconnection.listener;

import org.osgi.annotation.versioning.ConsumerType;

/** Signature-compatible declaration of Kura's CloudConnectionListener. */
@ConsumerType
public interface CloudConnectionListener {

    void onDisconnected();

    void onConnectionLost();

    void onConnectionEstablished();
}
