package io.azurekura.connector.testsupport.hub;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IotHubMqttTopicsTest {

    @Test
    void topicsForDevicesAndModules() {
        assertThat(IotHubMqttTopics.telemetryPrefix("dev1", null)).isEqualTo("devices/dev1/messages/events/");
        assertThat(IotHubMqttTopics.telemetryPrefix("dev1", "mod1"))
                .isEqualTo("devices/dev1/modules/mod1/messages/events/");
        assertThat(IotHubMqttTopics.cloudToDeviceFilter("dev1", null))
                .isEqualTo("devices/dev1/messages/devicebound/#");
        assertThat(IotHubMqttTopics.audience("hub.example", "dev1", "mod1"))
                .isEqualTo("hub.example/devices/dev1/modules/mod1");
    }

    @Test
    void filterMatchingFollowsMqtt() {
        assertThat(IotHubMqttTopics.matches("devices/dev1/messages/devicebound/#",
                "devices/dev1/messages/devicebound/%24.mid=1")).isTrue();
        assertThat(IotHubMqttTopics.matches("devices/dev1/messages/devicebound/#",
                "devices/dev1/messages/devicebound")).isTrue();
        assertThat(IotHubMqttTopics.matches("devices/dev1/messages/devicebound/#",
                "devices/dev2/messages/devicebound/x")).isFalse();
        assertThat(IotHubMqttTopics.matches("$iothub/methods/POST/#", "$iothub/methods/POST/reboot/?$rid=1"))
                .isTrue();
        assertThat(IotHubMqttTopics.matches("$iothub/twin/res/+/x", "$iothub/twin/res/200/x")).isTrue();
        assertThat(IotHubMqttTopics.matches("$iothub/twin/res/+", "$iothub/twin/res/200/x")).isFalse();
    }

    @Test
    void queryParameters() {
        assertThat(IotHubMqttTopics.queryParameter("$iothub/twin/GET/?$rid=7", "$rid")).isEqualTo("7");
        assertThat(IotHubMqttTopics.queryParameter("x/?$rid=7&$version=3", "$version")).isEqualTo("3");
        assertThat(IotHubMqttTopics.queryParameter("api-version=2020-09-30&DeviceClientType=x", "API-VERSION"))
                .isEqualTo("2020-09-30");
        assertThat(IotHubMqttTopics.queryParameter("DeviceClientType=x", "api-version")).isNull();
    }
}
