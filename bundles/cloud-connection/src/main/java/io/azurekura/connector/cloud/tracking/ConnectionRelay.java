package io.azurekura.connector.cloud.tracking;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards an endpoint's connection callbacks to the listeners registered on a publisher or subscriber. It outlives
 * the endpoint service it is registered with (endpoints come and go with their configuration), so it remembers
 * whether the connection was up: callbacks strictly alternate, an endpoint that goes away while connected reports
 * "disconnected", and one found already connected reports "established".
 */
public final class ConnectionRelay implements CloudConnectionListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionRelay.class);

    private final Set<CloudConnectionListener> listeners = new CopyOnWriteArraySet<>();
    private boolean up;

    public void add(CloudConnectionListener listener) {
        this.listeners.add(listener);
    }

    public void remove(CloudConnectionListener listener) {
        this.listeners.remove(listener);
    }

    @Override
    public void onConnectionEstablished() {
        if (change(true)) {
            forEach(CloudConnectionListener::onConnectionEstablished);
        }
    }

    @Override
    public void onConnectionLost() {
        if (change(false)) {
            forEach(CloudConnectionListener::onConnectionLost);
        }
    }

    @Override
    public void onDisconnected() {
        if (change(false)) {
            forEach(CloudConnectionListener::onDisconnected);
        }
    }

    private synchronized boolean change(boolean nowUp) {
        if (this.up == nowUp) {
            return false;
        }
        this.up = nowUp;
        return true;
    }

    private void forEach(Consumer<CloudConnectionListener> call) {
        for (CloudConnectionListener listener : this.listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("A cloud connection listener failed: {}", e.toString());
            }
        }
    }
}
