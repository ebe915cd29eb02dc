package io.azurekura.connector.testsupport.hub;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vertx.mqtt.MqttEndpoint;

/** One accepted MQTT connection. Used on the emulator's event loop only. */
final class HubConnection {

    final MqttEndpoint endpoint;
    final DeviceRegistry.Identity identity;
    final HubSession session;
    final Instant tokenExpiry;
    long expiryTimer = -1;
    boolean clientSentDisconnect;
    boolean retired;
    /** Cloud-to-device messages published with QoS 1 and not yet acknowledged, by packet id, in send order. */
    final Map<Integer, CloudToDeviceMessage> inflight = new LinkedHashMap<>();
    private int lastPacketId;

    HubConnection(MqttEndpoint endpoint, DeviceRegistry.Identity identity, HubSession session, Instant tokenExpiry) {
        this.endpoint = endpoint;
        this.identity = identity;
        this.session = session;
        this.tokenExpiry = tokenExpiry;
    }

    String clientId() {
        return this.identity.clientId();
    }

    /** The next packet id (1..65535) not in flight. */
    int nextPacketId() {
        do {
            this.lastPacketId = this.lastPacketId % 65535 + 1;
        } while (this.inflight.containsKey(this.lastPacketId));
        return this.lastPacketId;
    }
}
