package io.azurekura.connector.testsupport.hub;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * A bare Paho client (the MQTT library inside the Azure SDK) for driving the emulator packet by packet. TLS with the
 * test CA and host-name verification on.
 */
final class HubTestClient implements AutoCloseable {

    record Received(String topic, MqttMessage message) {
        String payload() {
            return new String(this.message.getPayload(), StandardCharsets.UTF_8);
        }
    }

    final MqttClient client;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> lost = new CompletableFuture<>();
    private final String clientId;

    HubTestClient(int port, String clientId) throws MqttException {
        this.clientId = clientId;
        this.client = new MqttClient("ssl://127.0.0.1:" + port, clientId, new MemoryPersistence());
        this.client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                HubTestClient.this.lost.complete(cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                HubTestClient.this.received.add(new Received(topic, message));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // the synchronous publish already waits for PUBACK
            }
        });
    }

    static String username(String host, String clientId) {
        return host + "/" + clientId + "/?api-version=2020-09-30&DeviceClientType=paho-test";
    }

    static String token(String host, String clientId, String key, long expiryEpochSeconds) {
        String[] ids = clientId.split("/");
        String resource = host + "/devices/" + ids[0] + (ids.length > 1 ? "/modules/" + ids[1] : "");
        return SasSigner.sign(resource, key, expiryEpochSeconds, null, SasSigner.ResourceForm.PLAIN);
    }

    /** Connects as the SDK does: MQTT 3.1.1, the given session mode, username and token. */
    HubTestClient connect(String username, String password, boolean cleanSession) throws MqttException {
        MqttConnectOptions options = options(cleanSession);
        options.setUserName(username);
        if (password != null) {
            options.setPassword(password.toCharArray());
        }
        this.client.connect(options);
        return this;
    }

    /** Connects with a valid token for {@code localhost} that expires at the given second. */
    HubTestClient connect(String key, long expiryEpochSeconds, boolean cleanSession) throws MqttException {
        return connect(username("localhost", this.clientId), token("localhost", this.clientId, key, expiryEpochSeconds),
                cleanSession);
    }

    static MqttConnectOptions options(boolean cleanSession) {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(10);
        options.setSocketFactory(TestPki.shared().clientSslContext().getSocketFactory());
        return options;
    }

    void publish(String topic, String payload) throws MqttException {
        this.client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    @Override
    public void close() {
        try {
            if (this.client.isConnected()) {
                this.client.disconnectForcibly(100, 100);
            }
        } catch (MqttException e) {
            // already gone
        }
        try {
            this.client.close(true);
        } catch (MqttException e) {
            // already closed
        }
    }
}
