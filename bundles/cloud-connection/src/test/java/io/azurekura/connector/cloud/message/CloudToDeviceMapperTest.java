package io.azurekura.connector.cloud.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;

class CloudToDeviceMapperTest {

    private static final Instant RECEIVED = Instant.parse("2024-05-01T10:16:00Z");

    private static CloudToDeviceMessage command(Map<String, String> properties) {
        return new CloudToDeviceMessage(HubIdentity.device("hub.example", "dev1", IdentitySource.STATIC),
                "{\"set\":22}".getBytes(StandardCharsets.UTF_8), "mid-1", "cid-1", "application/json", "utf-8",
                properties, RECEIVED);
    }

    @Test
    void bodyPropertiesAndSystemPropertiesReachTheKuraMessage() {
        KuraMessage message = CloudToDeviceMapper.toKuraMessage(command(Map.of("command", "setpoint")));

        assertThat(message.getPayload().getBody()).asString(StandardCharsets.UTF_8).isEqualTo("{\"set\":22}");
        assertThat(message.getPayload().getTimestamp().toInstant()).isEqualTo(RECEIVED);
        assertThat(message.getProperties()).containsEntry("command", "setpoint")
                .containsEntry(MessageProperties.MESSAGE_ID, "mid-1")
                .containsEntry(MessageProperties.CORRELATION_ID, "cid-1")
                .containsEntry(MessageProperties.CONTENT_TYPE, "application/json")
                .containsEntry(MessageProperties.CONTENT_ENCODING, "utf-8");
    }

    @Test
    void everyDeliveryGetsItsOwnMessage() {
        CloudToDeviceMessage command = command(Map.of());

        KuraMessage first = CloudToDeviceMapper.toKuraMessage(command);
        first.getProperties().put("changed", "by a listener");
        first.getPayload().getBody()[0] = 'X';

        KuraMessage second = CloudToDeviceMapper.toKuraMessage(command);
        assertThat(second.getProperties()).doesNotContainKey("changed");
        assertThat(second.getPayload().getBody()[0]).isEqualTo((byte) '{');
    }

    @Test
    void subscriptionFiltersSelectByPropertyAndValue() {
        Map<String, String> properties = Map.of("command", "setpoint");

        assertThat(SubscriptionFilter.ALL.matches(properties)).isTrue();
        assertThat(SubscriptionFilter.of("command", "").matches(properties)).isTrue();
        assertThat(SubscriptionFilter.of("command", "setpoint").matches(properties)).isTrue();
        assertThat(SubscriptionFilter.of("command", "reboot").matches(properties)).isFalse();
        assertThat(SubscriptionFilter.of("other", null).matches(properties)).isFalse();
        assertThat(SubscriptionFilter.of(" ", "x")).isEqualTo(SubscriptionFilter.ALL);
        SubscriptionFilter filter = SubscriptionFilter.of("command", "setpoint");
        assertThat(SubscriptionFilter.fromSubscriptionProperties(filter.toSubscriptionProperties()))
                .isEqualTo(filter);
        assertThat(SubscriptionFilter.fromSubscriptionProperties(null)).isEqualTo(SubscriptionFilter.ALL);
    }
}
