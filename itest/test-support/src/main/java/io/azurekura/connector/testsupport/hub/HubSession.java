package io.azurekura.connector.testsupport.hub;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MQTT session state kept per client id. With {@code cleanSession=false} (what the SDK always sends) it outlives the
 * connection: IoT Hub remembers the subscriptions, and the SDK relies on that because it never re-subscribes to
 * methods or desired properties after a reconnect (docs/iot-hub-mqtt.md "Subscriptions").
 */
final class HubSession {

    final String clientId;
    final boolean persistent;
    /** Topic filter to granted QoS. Written on the event loop, read from test threads. */
    final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();

    HubSession(String clientId, boolean persistent) {
        this.clientId = clientId;
        this.persistent = persistent;
    }

    /** The highest QoS granted by a filter matching the topic, or -1 when the client is not subscribed. */
    int grantedQos(String topic) {
        int granted = -1;
        for (Map.Entry<String, Integer> subscription : this.subscriptions.entrySet()) {
            if (IotHubMqttTopics.matches(subscription.getKey(), topic)) {
                granted = Math.max(granted, subscription.getValue());
            }
        }
        return granted;
    }
}
