package io.azurekura.connector.hub.component;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.Transport;

class ConnectionConfigurationTest {

    private static Map<String, Object> staticDevice() {
        Map<String, Object> config = new HashMap<>();
        config.put("kura.service.pid", "gateway-hub");
        config.put("identity.source", "STATIC");
        config.put("hub.host", "MyHub.azure-devices.net");
        config.put("device.id", "gateway-1");
        return config;
    }

    @Test
    void aStaticDeviceWithDefaults() {
        ConnectionConfiguration config = new ConnectionConfiguration(staticDevice());

        assertThat(config.name).isEqualTo("gateway-hub");
        assertThat(config.staticIdentity.toString()).isEqualTo("myhub.azure-devices.net/devices/gateway-1");
        assertThat(config.trustSource).isEqualTo(TrustSource.SYSTEM);
        assertThat(config.settings.transport()).isEqualTo(Transport.MQTT);
        assertThat(config.settings.keepAliveSeconds()).isEqualTo(230);
        assertThat(config.settings.operationTimeout()).isEqualTo(Duration.ofMinutes(4));
        assertThat(config.settings.queueCapacity()).isEqualTo(1000);
        assertThat(config.settings.plannedRenewal()).isTrue();
        assertThat(config.settings.badCredentialThreshold()).isEqualTo(3);
        assertThat(config.settings.configurationProblems()).isEmpty();
        assertThat(config.warnings).isEmpty();
    }

    @Test
    void aModuleOverWebSockets() {
        Map<String, Object> properties = staticDevice();
        properties.put("module.id", "telemetry");
        properties.put("transport", "mqtt_ws");
        properties.put("queue.capacity", 50);
        properties.put("renewal.reconnect.enabled", false);

        ConnectionConfiguration config = new ConnectionConfiguration(properties);

        assertThat(config.staticIdentity.moduleId()).contains("telemetry");
        assertThat(config.settings.transport()).isEqualTo(Transport.MQTT_WS);
        assertThat(config.settings.queueCapacity()).isEqualTo(50);
        assertThat(config.settings.plannedRenewal()).isFalse();
    }

    @Test
    void aStaticIdentityWithoutHostOrDeviceCannotWork() {
        Map<String, Object> properties = staticDevice();
        properties.put("hub.host", "https://myhub.azure-devices.net:443");
        properties.remove("device.id");

        ConnectionConfiguration config = new ConnectionConfiguration(properties);

        assertThat(config.settings.configurationProblems()).hasSize(2)
                .anyMatch(p -> p.startsWith("hub.host") && p.contains("no scheme, port, path"))
                .anyMatch(p -> p.contains("device.id is required"));
        assertThat(config.staticIdentity).isNull();
    }

    @Test
    void dpsNeedsNeitherHostNorDevice() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("identity.source", "DPS");

        ConnectionConfiguration config = new ConnectionConfiguration(properties);

        assertThat(config.identitySource).isEqualTo(IdentitySource.DPS);
        assertThat(config.settings.configurationProblems()).isEmpty();
    }

    @Test
    void badNumbersFallBackToDefaultsWithAWarning() {
        Map<String, Object> properties = staticDevice();
        properties.put("keep.alive.seconds", 5000);
        properties.put("reconnect.initial.delay.ms", 5000);
        properties.put("reconnect.max.delay.ms", 2000);
        properties.put("transport", "carrier-pigeon");

        ConnectionConfiguration config = new ConnectionConfiguration(properties);

        assertThat(config.settings.keepAliveSeconds()).isEqualTo(230);
        assertThat(config.settings.transport()).isEqualTo(Transport.MQTT);
        assertThat(config.settings.reconnectBackoff().max()).isEqualTo(Duration.ofMillis(5000));
        assertThat(config.warnings).hasSize(3);
        assertThat(config.settings.configurationProblems()).isEmpty();
    }

    @Test
    void multiplexingAppliesToAmqpDevicesOnly() {
        Map<String, Object> amqp = staticDevice();
        amqp.put("transport", "AMQPS");
        amqp.put("amqp.multiplexing", true);
        amqp.put("connect.rate.per.second", 50);
        amqp.put("connect.burst", 5);
        ConnectionConfiguration multiplexed = new ConnectionConfiguration(amqp);
        assertThat(multiplexed.multiplexed).isTrue();
        assertThat(multiplexed.connectRatePerSecond).isEqualTo(50);
        assertThat(multiplexed.connectBurst).isEqualTo(5);
        assertThat(multiplexed.warnings).isEmpty();

        Map<String, Object> mqtt = staticDevice();
        mqtt.put("amqp.multiplexing", true);
        ConnectionConfiguration alone = new ConnectionConfiguration(mqtt);
        assertThat(alone.multiplexed).isFalse();
        assertThat(alone.warnings).singleElement().asString().contains("AMQP transports only");

        // SDK 2.5.0 multiplexes DeviceClients only: asked for a module, it is a configuration problem the status
        // shows (MISCONFIGURED), not a silent fallback to a connection of its own.
        amqp.put("module.id", "telemetry");
        ConnectionConfiguration module = new ConnectionConfiguration(amqp);
        assertThat(module.multiplexed).isFalse();
        assertThat(module.settings.configurationProblems()).singleElement().asString()
                .contains("cannot multiplex modules").contains("amqp.multiplexing");
        amqp.put("amqp.multiplexing", false);
        assertThat(new ConnectionConfiguration(amqp).settings.configurationProblems()).isEmpty();
        assertThat(new ConnectionConfiguration(staticDevice()).connectRatePerSecond).isEqualTo(10);
    }

    @Test
    void aPemTrustSourceNeedsAFile() {
        Map<String, Object> properties = staticDevice();
        properties.put("trust.source", "PEM_FILE");

        assertThat(new ConnectionConfiguration(properties).settings.configurationProblems())
                .containsExactly("trust.pem.file is required when trust.source is PEM_FILE");
    }
}
