package org.eclipse.kura.cloudconnection;

import org.eclipse.kura.KuraConnectException;
import org.eclipse.kura.KuraDisconnectException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.osgi.annotation.versioning.ProviderType;

/** Signature-compatible declaration of Kura's CloudConnectionManager. */
@ProviderType
public interface CloudConnectionManager {

    void connect() throws KuraConnectException;

    void disconnect() throws KuraDisconnectException;

    boolean isConnected();

    void registerCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

    void unregisterCloudConnectionListener(CloudConnectionListener cloudConnectionListener);
}
