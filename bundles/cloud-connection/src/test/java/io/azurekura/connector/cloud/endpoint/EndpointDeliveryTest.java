package io.azurekura.connector.cloud.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;

/**
 * Issue 11: a cloud-to-device message is acknowledged to IoT Hub only after the Kura subscribers took it, so the
 * endpoint runs them on the hub connection's callback thread and reports a failure back instead of swallowing it.
 */
class EndpointDeliveryTest {

    private static final CloudToDeviceMessage MESSAGE = new CloudToDeviceMessage(HubIdentity.device("hub.example.net",
            "dev", IdentitySource.STATIC), "cmd".getBytes(StandardCharsets.UTF_8), "m1", null, null, null,
            Map.of("kind", "reboot"), Instant.now());

    private final AzureIotHubEndpoint endpoint = new AzureIotHubEndpoint();

    @Test
    void subscribersHaveTheMessageWhenDeliveryReturns() {
        List<KuraMessage> received = new CopyOnWriteArrayList<>();
        this.endpoint.registerSubscriber(Map.of(), received::add);

        this.endpoint.deliver(MESSAGE);

        assertThat(received).singleElement()
                .satisfies(m -> assertThat(m.getPayload().getBody()).isEqualTo(MESSAGE.body()));
    }

    @Test
    void aFailingSubscriberFailsTheDeliveryAfterTheOthersRan() {
        List<KuraMessage> received = new CopyOnWriteArrayList<>();
        this.endpoint.registerSubscriber(Map.of(), m -> {
            throw new IllegalStateException("not ready");
        });
        this.endpoint.registerSubscriber(Map.of(), received::add);

        assertThatThrownBy(() -> this.endpoint.deliver(MESSAGE)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 subscriber(s)");
        assertThat(received).hasSize(1);
    }

    @Test
    void configurationProblemsOfPublishersAndSubscribersAreInTheInfo() {
        this.endpoint.reportConfiguration("publisher p1", List.of("body.encoding: 'XML' is not one of [JSON, RAW]"));

        assertThat(this.endpoint.getInfo()).containsEntry("Configuration problems (publisher p1)",
                "body.encoding: 'XML' is not one of [JSON, RAW]");

        this.endpoint.reportConfiguration("publisher p1", List.of());
        assertThat(this.endpoint.getInfo()).doesNotContainKey("Configuration problems (publisher p1)");
    }
}
