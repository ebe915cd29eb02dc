package io.azurekura.connector.cloud.endpoint;

import static io.azurekura.connector.api.hub.ConnectionReason.CLIENT_CLOSE;
import static io.azurekura.connector.api.hub.ConnectionReason.CONNECTION_OK;
import static io.azurekura.connector.api.hub.ConnectionReason.DEACTIVATED;
import static io.azurekura.connector.api.hub.ConnectionReason.EXPIRED_SAS_TOKEN;
import static io.azurekura.connector.api.hub.ConnectionReason.IDENTITY_CHANGED;
import static io.azurekura.connector.api.hub.ConnectionReason.NO_NETWORK;
import static io.azurekura.connector.api.hub.ConnectionReason.STARTING;
import static io.azurekura.connector.api.hub.ConnectionReason.TOKEN_RENEWAL;
import static io.azurekura.connector.api.hub.ConnectionReason.TOKEN_UNAVAILABLE;
import static io.azurekura.connector.api.hub.ConnectionState.BACKING_OFF;
import static io.azurekura.connector.api.hub.ConnectionState.CLOSED;
import static io.azurekura.connector.api.hub.ConnectionState.CONNECTED;
import static io.azurekura.connector.api.hub.ConnectionState.CONNECTING;
import static io.azurekura.connector.api.hub.ConnectionState.RENEWING;
import static io.azurekura.connector.api.hub.ConnectionState.RETRYING;
import static io.azurekura.connector.api.hub.ConnectionState.WAITING;
import static io.azurekura.connector.cloud.endpoint.LinkTracker.Callback.DISCONNECTED;
import static io.azurekura.connector.cloud.endpoint.LinkTracker.Callback.ESTABLISHED;
import static io.azurekura.connector.cloud.endpoint.LinkTracker.Callback.LOST;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LinkTrackerTest {

    private final LinkTracker link = new LinkTracker();

    @Test
    void aPlannedRenewalReconnectIsInvisibleToKura() {
        assertThat(this.link.onState(CONNECTING, STARTING)).isEmpty();
        assertThat(this.link.onState(CONNECTED, CONNECTION_OK)).contains(ESTABLISHED);

        // what the supervisor goes through to put a renewed token into use (MQTT)
        assertThat(this.link.onState(RENEWING, TOKEN_RENEWAL)).isEmpty();
        assertThat(this.link.onState(CONNECTING, TOKEN_RENEWAL)).isEmpty();
        assertThat(this.link.onState(CONNECTED, CONNECTION_OK)).isEmpty();

        assertThat(this.link.isUp()).isTrue();
        assertThat(LinkTracker.isConnected(RENEWING, TOKEN_RENEWAL)).isTrue();
        assertThat(LinkTracker.isConnected(CONNECTING, TOKEN_RENEWAL)).isTrue();
    }

    @Test
    void aFailedRenewalReconnectIsALoss() {
        this.link.onState(CONNECTED, CONNECTION_OK);
        this.link.onState(RENEWING, TOKEN_RENEWAL);

        assertThat(this.link.onState(BACKING_OFF, NO_NETWORK)).contains(LOST);
        assertThat(LinkTracker.isConnected(BACKING_OFF, NO_NETWORK)).isFalse();
    }

    @Test
    void anOutageIsLostThenEstablishedOnceEach() {
        this.link.onState(CONNECTED, CONNECTION_OK);

        assertThat(this.link.onState(RETRYING, NO_NETWORK)).contains(LOST);
        assertThat(this.link.onState(BACKING_OFF, EXPIRED_SAS_TOKEN)).isEmpty();
        assertThat(this.link.onState(CONNECTING, NO_NETWORK)).isEmpty();
        assertThat(LinkTracker.isConnected(CONNECTING, NO_NETWORK)).isFalse();
        assertThat(this.link.onState(CONNECTED, CONNECTION_OK)).contains(ESTABLISHED);
    }

    @Test
    void closingOrMovingToAnotherIdentityIsACleanDisconnect() {
        this.link.onState(CONNECTED, CONNECTION_OK);
        assertThat(this.link.onState(CONNECTING, IDENTITY_CHANGED)).contains(DISCONNECTED);
        this.link.onState(CONNECTED, CONNECTION_OK);
        assertThat(this.link.onState(CLOSED, DEACTIVATED)).contains(DISCONNECTED);
        assertThat(this.link.onState(CLOSED, CLIENT_CLOSE)).isEmpty();
    }

    @Test
    void detachingReportsADisconnectOnlyWhenUp() {
        assertThat(this.link.onDetached()).isEmpty();
        assertThat(this.link.onState(WAITING, TOKEN_UNAVAILABLE)).isEmpty();
        this.link.onState(CONNECTED, CONNECTION_OK);

        assertThat(this.link.onDetached()).contains(DISCONNECTED);
        assertThat(this.link.onDetached()).isEmpty();
    }
}
