package io.azurekura.connector.cloud.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.junit.jupiter.api.Test;

class ConnectionRelayTest {

    private final List<String> calls = new ArrayList<>();
    private final CloudConnectionListener recorder = new CloudConnectionListener() {

        @Override
        public void onDisconnected() {
            ConnectionRelayTest.this.calls.add("disconnected");
        }

        @Override
        public void onConnectionLost() {
            ConnectionRelayTest.this.calls.add("lost");
        }

        @Override
        public void onConnectionEstablished() {
            ConnectionRelayTest.this.calls.add("established");
        }
    };

    @Test
    void callbacksAlternateWhateverTheEndpointsSay() {
        ConnectionRelay relay = new ConnectionRelay();
        relay.add(this.recorder);

        relay.onDisconnected(); // an endpoint going away before it ever connected
        relay.onConnectionEstablished();
        relay.onConnectionEstablished(); // found connected, then its own callback arrives
        relay.onConnectionLost();
        relay.onDisconnected(); // the endpoint's deactivation after the loss
        relay.onConnectionEstablished();
        relay.remove(this.recorder);
        relay.onDisconnected();

        assertThat(this.calls).containsExactly("established", "lost", "established");
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        ConnectionRelay relay = new ConnectionRelay();
        relay.add(new CloudConnectionListener() {

            @Override
            public void onDisconnected() {
                throw new IllegalStateException("boom");
            }

            @Override
            public void onConnectionLost() {
                throw new IllegalStateException("boom");
            }

            @Override
            public void onConnectionEstablished() {
                throw new IllegalStateException("boom");
            }
        });
        relay.add(this.recorder);

        relay.onConnectionEstablished();

        assertThat(this.calls).containsExactly("established");
    }
}
