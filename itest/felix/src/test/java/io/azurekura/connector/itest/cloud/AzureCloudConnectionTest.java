package io.azurekura.connector.itest.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.factory.CloudConnectionFactory;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.cloudconnection.subscriber.CloudSubscriber;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.configuration.Password;
import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.itest.runtime.KuraLikeRuntime;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;
import io.azurekura.connector.itest.runtime.TestConfigurationService;
import io.azurekura.connector.testsupport.hub.CloudToDeviceMessage;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.hub.TelemetryMessage;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/**
 * The "Azure IoT Hub (token server)" cloud connection driven exactly as Kura's Cloud Connections page drives it:
 * the connection is created through the CloudConnectionFactory, its Hub connection tab is filled in, a publisher
 * and a subscriber are added through ConfigurationService with {@code cloud.endpoint.service.pid}, and
 * Connect/Disconnect call the CloudConnectionManager. Behind it run the shipped bundles against the reference token
 * server and the IoT Hub emulator (static identity, MQTT on 8883).
 */
class AzureCloudConnectionTest {

    private static final String STS_CLIENT_PID = "io.azurekura.connector.sts.StsClient";
    private static final String TOKEN_CACHE_PID = "io.azurekura.connector.cache.TokenCache";
    private static final String PUBLISHER_FACTORY_PID = "io.azurekura.connector.cloud.AzureIotHubPublisher";
    private static final String SUBSCRIBER_FACTORY_PID = "io.azurekura.connector.cloud.AzureIotHubSubscriber";
    private static final String ENDPOINT_FACTORY_PID = "io.azurekura.connector.cloud.AzureIotHubEndpoint";
    private static final String DEMO_FACTORY_PID = "io.azurekura.connector.cloud.demo.DemoPublisher";
    private static final String CONNECTION = "io.azurekura.connector.cloud.CloudEndpoint-plant9";
    private static final String HUB_CONNECTION = "io.azurekura.connector.cloud.HubConnection-plant9";
    private static final String PROVISIONER = "io.azurekura.connector.cloud.DpsProvisioner-plant9";
    private static final String PUBLISHER = "azure-telemetry";
    private static final String SUBSCRIBER = "azure-commands";
    private static final String TRUSTSTORE = "AzureTestTruststore";
    private static final String HUB_HOST = "localhost";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PORT_WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger DEVICES = new AtomicInteger();

    private static final String BEARER = "cloud-itest-bearer-" + UUID.randomUUID();
    private static IotHubEmulator hub;
    private static ReferenceTokenServer tokenServer;

    private KuraLikeRuntime runtime;
    private TestConfigurationService configurationService;
    private CloudConnectionFactory factory;
    private String device;

    @BeforeAll
    static void startAzure() {
        tokenServer = ReferenceTokenServer.start().requireBearerToken(BEARER);
        AtomicReference<IotHubEmulator> started = new AtomicReference<>();
        // Another test class (or JVM) may still hold 8883 for a moment
        await("port " + IotHubEmulator.IOT_HUB_MQTT_PORT + " to be free").atMost(PORT_WAIT)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                    // No expiry grace: a connection outliving its token is cut at once, so a late renewal shows
                    started.set(IotHubEmulator.builder().expiryGrace(Duration.ZERO).start());
                    return true;
                });
        hub = started.get();
    }

    /** Listens again on 8883, waiting while another test JVM briefly holds the port released by stop(). */
    private static void restartHub() {
        await("port " + IotHubEmulator.IOT_HUB_MQTT_PORT + " to be free again").atMost(PORT_WAIT)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                    hub.start();
                    return hub.isRunning();
                });
    }

    @AfterAll
    static void stopAzure() {
        try {
            if (hub != null) {
                hub.close();
            }
        } finally {
            if (tokenServer != null) {
                tokenServer.close();
            }
        }
    }

    @BeforeEach
    void startGateway() {
        restartHub(); // after an outage test
        tokenServer.setTokenTtl(Duration.ofHours(1));
        this.device = "kura-gw-" + DEVICES.incrementAndGet();
        String key = SasSigner.newKey();
        hub.addDevice(this.device, key);
        tokenServer.addDevice(HUB_HOST, this.device, key);

        this.runtime = KuraLikeRuntime.start();
        this.runtime.registerKeystore(TRUSTSTORE, TestPki.shared().trustStore(), TestPki.PASSWORD);
        this.runtime.installBundles(ShippedArtifacts.bundleJars());
        this.configurationService = TestConfigurationService.register(this.runtime);
        configureTokenCore();
        this.factory = this.runtime.awaitService(CloudConnectionFactory.class, TIMEOUT);
    }

    @AfterEach
    void stopGateway() {
        if (this.runtime != null) {
            this.runtime.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void aConnectionCreatedAsKurasUiDoesPublishesTelemetryAndReceivesCloudToDeviceMessages() throws Exception {
        assertThat(this.factory.getFactoryPid()).isEqualTo(ENDPOINT_FACTORY_PID);
        ServiceReference<CloudConnectionFactory> factoryReference = this.runtime.awaitServiceReference(
                CloudConnectionFactory.class, null, TIMEOUT);
        assertThat(factoryReference.getProperty("kura.ui.csf.pid.default"))
                .isEqualTo("io.azurekura.connector.cloud.CloudEndpoint");
        assertThat(CONNECTION).matches((String) factoryReference.getProperty("kura.ui.csf.pid.regex"));

        createConnection();

        // Cloud Connections lists it, and its tabs are the stack's configurable components
        await().atMost(TIMEOUT).until(() -> this.factory.getManagedCloudConnectionPids().contains(CONNECTION));
        assertThat(this.factory.getManagedCloudConnectionPids()).containsExactly(CONNECTION);
        assertThat(this.factory.getStackComponentsPids(CONNECTION)).containsExactly(CONNECTION, HUB_CONNECTION,
                PROVISIONER);
        for (String pid : this.factory.getStackComponentsPids(CONNECTION)) {
            this.runtime.awaitServiceReference(ConfigurableComponent.class, "(kura.service.pid=" + pid + ")",
                    TIMEOUT);
        }
        ServiceReference<CloudEndpoint> endpointReference = this.runtime.awaitServiceReference(CloudEndpoint.class,
                "(kura.service.pid=" + CONNECTION + ")", TIMEOUT);
        assertThat(endpointReference.getProperty("kura.ui.service.hide")).isEqualTo(Boolean.TRUE);
        assertThat(endpointReference.getProperty("kura.cloud.connection.factory.pid"))
                .isEqualTo("io.azurekura.connector.cloud.AzureIotHubConnectionFactory");

        addPublisher(Map.of("application.properties", "site=plant-9; line=3"));
        addSubscriber(Map.of("filter.property.name", "command"));
        CloudPublisher publisher = this.runtime.awaitService(CloudPublisher.class,
                "(kura.service.pid=" + PUBLISHER + ")", TIMEOUT);
        CloudSubscriber subscriber = this.runtime.awaitService(CloudSubscriber.class,
                "(kura.service.pid=" + SUBSCRIBER + ")", TIMEOUT);
        ServiceReference<CloudPublisher> publisherReference = this.runtime.awaitServiceReference(
                CloudPublisher.class, "(kura.service.pid=" + PUBLISHER + ")", TIMEOUT);
        // Kura's ConfigurationService keys the instance by its (single, String) service.pid and factory pid
        assertThat(publisherReference.getProperty("service.pid")).isInstanceOf(String.class)
                .isNotEqualTo(PUBLISHER_FACTORY_PID);
        assertThat(publisherReference.getProperty("service.factoryPid")).isEqualTo(PUBLISHER_FACTORY_PID);
        assertThat(publisherReference.getProperty("cloud.endpoint.service.pid")).isEqualTo(CONNECTION);

        List<String> confirmed = new CopyOnWriteArrayList<>();
        publisher.registerCloudDeliveryListener(confirmed::add);
        List<KuraMessage> received = new CopyOnWriteArrayList<>();
        subscriber.registerCloudSubscriberListener(received::add);

        CloudConnectionManager manager = manager();
        manager.connect(); // Kura's Connect button
        await().atMost(TIMEOUT).until(manager::isConnected);

        // Publish as a Kura application does
        KuraPayload payload = new KuraPayload();
        payload.setTimestamp(Date.from(Instant.parse("2024-05-01T10:15:30Z")));
        payload.addMetric("temperature", 21.5d);
        payload.addMetric("count", 42L);
        payload.addMetric("running", true);
        KuraPosition position = new KuraPosition();
        position.setLatitude(45.4642);
        position.setLongitude(9.19);
        payload.setPosition(position);
        Map<String, Object> properties = new HashMap<>();
        properties.put("asset", "pump-3");
        properties.put("line", 4);
        String id = publisher.publish(new KuraMessage(payload, properties));

        assertThat(id).isNotBlank();
        TelemetryMessage telemetry = await().atMost(TIMEOUT).until(() -> hub.messages(this.device), m -> !m.isEmpty())
                .get(0);
        assertThat(telemetry.messageId()).isEqualTo(id);
        assertThat(telemetry.contentType()).isEqualTo("application/json");
        assertThat(telemetry.contentEncoding()).isEqualTo("utf-8");
        assertThat(telemetry.applicationProperties()).containsEntry("asset", "pump-3")
                .containsEntry("site", "plant-9").containsEntry("line", "4");
        JsonObject body = JsonParser.parseString(telemetry.bodyAsString()).getAsJsonObject();
        assertThat(body.get("timestamp").getAsString()).isEqualTo("2024-05-01T10:15:30Z");
        assertThat(body.getAsJsonObject("position").get("latitude").getAsDouble()).isEqualTo(45.4642);
        JsonObject metrics = body.getAsJsonObject("metrics");
        assertThat(metrics.getAsJsonObject("temperature").get("type").getAsString()).isEqualTo("double");
        assertThat(metrics.getAsJsonObject("temperature").get("value").getAsDouble()).isEqualTo(21.5d);
        assertThat(metrics.getAsJsonObject("count").get("type").getAsString()).isEqualTo("long");
        assertThat(metrics.getAsJsonObject("running").get("value").getAsBoolean()).isTrue();
        // The hub's acknowledgement confirms exactly the id publish returned
        await().atMost(TIMEOUT).until(() -> confirmed.contains(id));
        assertThat(confirmed).containsExactly(id);

        // Cloud-to-device: the subscriber's filter lets only messages with a "command" property through
        CloudToDeviceMessage other = hub.sendCloudToDevice(this.device, "ignored".getBytes(StandardCharsets.UTF_8),
                Map.of("note", "not a command"));
        CloudToDeviceMessage command = hub.sendCloudToDevice(this.device,
                "{\"setpoint\":22}".getBytes(StandardCharsets.UTF_8), Map.of("command", "setpoint"));
        await().atMost(TIMEOUT).until(() -> !received.isEmpty() && other.acknowledged().isDone());
        assertThat(received).singleElement().satisfies(message -> {
            assertThat(message.getPayload().getBody()).asString(StandardCharsets.UTF_8).isEqualTo("{\"setpoint\":22}");
            assertThat(message.getProperties()).containsEntry("command", "setpoint")
                    .containsEntry("azure.message.id", command.messageId());
        });
    }

    @Test
    void connectionCallbacksIgnorePlannedTokenRenewalsAndReportHubOutages() throws Exception {
        // Tokens live 10 s and are renewed at half their life: a planned reconnect every ~5 s
        tokenServer.setTokenTtl(Duration.ofSeconds(10));
        // The hub is away until the listeners are in place, so that they see the first establishment.
        hub.stop();
        createConnection();
        addPublisher(Map.of());
        CloudPublisher publisher = this.runtime.awaitService(CloudPublisher.class,
                "(kura.service.pid=" + PUBLISHER + ")", TIMEOUT);
        ConnectionRecorder viaManager = new ConnectionRecorder();
        ConnectionRecorder viaPublisher = new ConnectionRecorder();
        CloudConnectionManager manager = manager();
        manager.registerCloudConnectionListener(viaManager);
        publisher.registerCloudConnectionListener(viaPublisher);
        HubConnection connection = this.runtime.awaitService(HubConnection.class,
                "(kura.service.pid=" + HUB_CONNECTION + ")", TIMEOUT);
        assertThat(manager.isConnected()).isFalse();
        restartHub();

        await().atMost(TIMEOUT).until(manager::isConnected);
        await().atMost(TIMEOUT).until(() -> viaManager.calls().contains("established"));
        await("two planned reconnects done").atMost(Duration.ofSeconds(40)).until(() -> {
            ConnectionStatus now = connection.status();
            return now.plannedReconnects() >= 2 && now.connects() >= 3 && manager.isConnected();
        });

        ConnectionStatus status = connection.status();
        assertThat(status.unplannedReconnects()).as("connection losses during renewals").isZero();
        assertThat(status.expiryDisconnects()).isZero();
        assertThat(hub.connectionEvents(this.device).stream()
                .filter(e -> e.kind() == ConnectionEvent.Kind.CONNECTED)
                .count()).as("connections the hub accepted").isGreaterThanOrEqualTo(3);
        assertThat(manager.isConnected()).isTrue();
        assertThat(viaManager.calls()).containsExactly("established");
        await().atMost(TIMEOUT).until(() -> viaPublisher.calls().contains("established"));
        assertThat(viaPublisher.calls()).containsExactly("established");

        // A hub outage is a loss, and the reconnection after it an establishment
        hub.stop();
        await().atMost(TIMEOUT).until(() -> viaManager.calls().size() == 2);
        assertThat(manager.isConnected()).isFalse();
        restartHub();
        await().atMost(TIMEOUT).until(() -> viaManager.calls().size() == 3);
        assertThat(manager.isConnected()).isTrue();
        assertThat(viaManager.calls()).containsExactly("established", "lost", "established");
        await().atMost(TIMEOUT).until(() -> viaPublisher.calls().size() == 3);
        assertThat(viaPublisher.calls()).containsExactly("established", "lost", "established");
    }

    @Test
    void disconnectClosesTheHubConnectionAndConnectOpensItAgain() throws Exception {
        // The hub is away until the listener is in place, so that it sees the first establishment.
        hub.stop();
        createConnection();
        addPublisher(Map.of());
        CloudPublisher publisher = this.runtime.awaitService(CloudPublisher.class,
                "(kura.service.pid=" + PUBLISHER + ")", TIMEOUT);
        CloudConnectionManager manager = manager();
        ConnectionRecorder recorder = new ConnectionRecorder();
        manager.registerCloudConnectionListener(recorder);
        assertThat(manager.isConnected()).isFalse();
        restartHub();
        await().atMost(TIMEOUT).until(() -> manager.isConnected() && hub.isConnected(this.device));

        manager.disconnect(); // Kura's Disconnect button

        assertThat(manager.isConnected()).isFalse();
        this.runtime.awaitNoService(HubConnection.class, "(kura.service.pid=" + HUB_CONNECTION + ")", TIMEOUT);
        await().atMost(TIMEOUT).until(() -> !hub.isConnected(this.device));
        await().atMost(TIMEOUT).until(() -> recorder.calls().contains("disconnected"));
        assertThatThrownBy(() -> publisher.publish(new KuraMessage(new KuraPayload())))
                .isInstanceOfSatisfying(KuraException.class,
                        e -> assertThat(e.getCode()).isEqualTo(KuraErrorCode.NOT_CONNECTED));

        manager.connect();

        await().atMost(TIMEOUT).until(() -> manager.isConnected() && hub.isConnected(this.device));
        await().atMost(TIMEOUT).until(() -> recorder.calls().size() == 3);
        assertThat(recorder.calls()).containsExactly("established", "disconnected", "established");
        String id = publisher.publish(new KuraMessage(new KuraPayload()));
        await().atMost(TIMEOUT).until(() -> hub.messages(this.device).stream().anyMatch(m -> id.equals(m.messageId())));
    }

    @Test
    void deleteConfigurationRemovesEveryComponentOfTheStackAndItsClient() throws Exception {
        assertThatThrownBy(() -> this.factory.createConfiguration("org.eclipse.kura.cloudconnection.raw.mqtt.CloudEndpoint"))
                .isInstanceOfSatisfying(KuraException.class,
                        e -> assertThat(e.getCode()).isEqualTo(KuraErrorCode.INVALID_PARAMETER));
        createConnection();
        CloudConnectionManager manager = manager();
        await().atMost(TIMEOUT).until(() -> manager.isConnected() && hub.isConnected(this.device));
        this.runtime.awaitService(DeviceProvisioner.class, "(kura.service.pid=" + PROVISIONER + ")", TIMEOUT);
        // A second connection cannot reuse the pid
        assertThatThrownBy(() -> this.factory.createConfiguration(CONNECTION)).isInstanceOf(KuraException.class);
        int snapshots = this.configurationService.snapshots();

        this.factory.deleteConfiguration(CONNECTION);

        for (String pid : List.of(CONNECTION, HUB_CONNECTION, PROVISIONER)) {
            this.runtime.awaitNoService(ConfigurableComponent.class, "(kura.service.pid=" + pid + ")", TIMEOUT);
            assertThat(this.runtime.configuration(pid)).as("configuration of %s", pid).isEmpty();
        }
        this.runtime.awaitNoService(CloudEndpoint.class, null, TIMEOUT);
        this.runtime.awaitNoService(HubConnection.class, null, TIMEOUT);
        this.runtime.awaitNoService(DeviceProvisioner.class, null, TIMEOUT);
        // the connection's token cache gate is gone too: only the real token cache remains
        this.runtime.awaitNoService(SasTokenCache.class,
                "(azurekura.cloud.endpoint=*)", TIMEOUT);
        await().atMost(TIMEOUT).until(() -> !hub.isConnected(this.device));
        await().atMost(TIMEOUT).until(() -> KuraLikeRuntime.connectorThreads().stream()
                .noneMatch(t -> t.contains("hub-") || t.contains("sdk-") || t.contains("cloud-endpoint")));
        assertThat(this.factory.getManagedCloudConnectionPids()).isEmpty();
        assertThat(this.configurationService.snapshots()).isEqualTo(snapshots + 1);
    }

    @Test
    void theDemoPublisherSendsReadingsThroughItsCloudPublisher() throws Exception {
        createConnection();
        addPublisher(Map.of());
        await().atMost(TIMEOUT).until(() -> manager().isConnected());

        // What the sandbox does: one demo instance pointed at the connection's publisher
        this.runtime.createFactoryConfiguration(DEMO_FACTORY_PID, "azure-demo", Map.of("CloudPublisher.target",
                "(kura.service.pid=" + PUBLISHER + ")", "publish.interval.seconds", 1));

        List<TelemetryMessage> readings = await().atMost(TIMEOUT).until(() -> hub.messages(this.device),
                m -> m.size() >= 2);
        JsonObject first = JsonParser.parseString(readings.get(0).bodyAsString()).getAsJsonObject();
        JsonObject metrics = first.getAsJsonObject("metrics");
        assertThat(metrics.keySet()).containsExactlyInAnyOrder("counter", "temperature", "online", "source");
        assertThat(metrics.getAsJsonObject("counter").get("type").getAsString()).isEqualTo("long");
        assertThat(metrics.getAsJsonObject("temperature").get("type").getAsString()).isEqualTo("double");
        assertThat(metrics.getAsJsonObject("source").get("value").getAsString()).isEqualTo("azure-demo");

        this.runtime.deleteConfiguration("azure-demo");
        await().atMost(TIMEOUT).until(() -> KuraLikeRuntime.connectorThreads().stream()
                .noneMatch(t -> t.contains("demo-publisher")));
    }

    @Test
    void aPublisherWithoutItsConnectionStaysRegisteredAndRefusesToPublish() {
        this.runtime.createFactoryConfiguration(PUBLISHER_FACTORY_PID, "orphan-publisher",
                Map.of("cloud.endpoint.service.pid", "io.azurekura.connector.cloud.CloudEndpoint-missing",
                        "body.encoding", "NOT-AN-ENCODING"));

        CloudPublisher orphan = this.runtime.awaitService(CloudPublisher.class,
                "(kura.service.pid=orphan-publisher)", TIMEOUT);

        assertThatThrownBy(() -> orphan.publish(new KuraMessage(new KuraPayload())))
                .isInstanceOfSatisfying(KuraException.class,
                        e -> assertThat(e.getCode()).isEqualTo(KuraErrorCode.SERVICE_UNAVAILABLE));
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The STS client and token cache as a user configures them in Kura's console. */
    private void configureTokenCore() {
        Map<String, Object> sts = new HashMap<>();
        sts.put("sts.url.device", tokenServer.baseUri() + "/token?sr={audience}");
        sts.put("sts.auth.type", "BEARER");
        sts.put("sts.auth.secret", new Password(BEARER));
        sts.put("TruststoreKeystoreService.target", "(kura.service.pid=" + TRUSTSTORE + ")");
        sts.put("token.min.remaining.seconds", 1); // test tokens live seconds
        this.runtime.awaitConfigured(STS_CLIENT_PID, this.runtime.configure(STS_CLIENT_PID, sts), TIMEOUT);
        Map<String, Object> cache = new HashMap<>();
        cache.put("renewal.fraction", 0.5d);
        cache.put("renewal.jitter", 0d);
        cache.put("retry.initial.ms", 100);
        cache.put("retry.max.ms", 1000);
        this.runtime.awaitConfigured(TOKEN_CACHE_PID, this.runtime.configure(TOKEN_CACHE_PID, cache), TIMEOUT);
    }

    /** Cloud Connections, New, "Azure IoT Hub (token server)"; then the Hub connection tab, as a user fills it in. */
    private void createConnection() throws KuraException {
        this.factory.createConfiguration(CONNECTION);
        Map<String, Object> hubTab = new LinkedHashMap<>();
        hubTab.put("identity.source", "STATIC");
        hubTab.put("hub.host", HUB_HOST);
        hubTab.put("device.id", this.device);
        hubTab.put("trust.source", "KEYSTORE");
        hubTab.put("TruststoreKeystoreService.target", "(kura.service.pid=" + TRUSTSTORE + ")");
        hubTab.put("renewal.reconnect.jitter.seconds", 0);
        hubTab.put("reconnect.initial.delay.ms", 100);
        hubTab.put("reconnect.max.delay.ms", 1000);
        this.runtime.awaitConfigured(HUB_CONNECTION, this.runtime.updateConfiguration(HUB_CONNECTION, hubTab),
                TIMEOUT);
    }

    /**
     * The connection's "New publisher" dialog, then the publisher's tab, which the web console lists only once the
     * new component has registered.
     */
    private void addPublisher(Map<String, Object> settings) throws KuraException {
        addInstance(PUBLISHER_FACTORY_PID, PUBLISHER, settings);
    }

    private void addSubscriber(Map<String, Object> settings) throws KuraException {
        addInstance(SUBSCRIBER_FACTORY_PID, SUBSCRIBER, settings);
    }

    private void addInstance(String factoryPid, String pid, Map<String, Object> settings) throws KuraException {
        Map<String, Object> created = Map.of("cloud.endpoint.service.pid", CONNECTION);
        this.configurationService.createFactoryConfiguration(factoryPid, pid, created, true);
        this.runtime.awaitConfigured(pid, created, TIMEOUT);
        if (!settings.isEmpty()) {
            this.runtime.awaitConfigured(pid, this.runtime.updateConfiguration(pid, settings), TIMEOUT);
        }
    }

    private CloudConnectionManager manager() {
        return this.runtime.awaitService(CloudConnectionManager.class, "(kura.service.pid=" + CONNECTION + ")",
                TIMEOUT);
    }

    /** Records Kura's connection callbacks in order. */
    private static final class ConnectionRecorder implements CloudConnectionListener {

        private final List<String> calls = new CopyOnWriteArrayList<>();

        List<String> calls() {
            return List.copyOf(this.calls);
        }

        @Override
        public void onDisconnected() {
            this.calls.add("disconnected");
        }

        @Override
        public void onConnectionLost() {
            this.calls.add("lost");
        }

        @Override
        public void onConnectionEstablished() {
            this.calls.add("established");
        }
    }
}
