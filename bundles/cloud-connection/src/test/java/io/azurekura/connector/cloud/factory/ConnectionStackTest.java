package io.azurekura.connector.cloud.factory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;

import io.azurekura.connector.cloud.CloudComponents;

class ConnectionStackTest {

    @Test
    void theDefaultPidAndSuffixedPidsMakeNamedStacks() {
        ConnectionStack plain = ConnectionStack.of(CloudComponents.DEFAULT_ENDPOINT_PID).orElseThrow();
        ConnectionStack suffixed = ConnectionStack.of("io.azurekura.connector.cloud.CloudEndpoint-plant9")
                .orElseThrow();

        assertThat(plain.pids()).containsExactly("io.azurekura.connector.cloud.CloudEndpoint",
                "io.azurekura.connector.cloud.HubConnection", "io.azurekura.connector.cloud.DpsProvisioner");
        assertThat(suffixed.pids()).containsExactly("io.azurekura.connector.cloud.CloudEndpoint-plant9",
                "io.azurekura.connector.cloud.HubConnection-plant9",
                "io.azurekura.connector.cloud.DpsProvisioner-plant9");
    }

    @Test
    void otherPidsAreNotOurs() {
        assertThat(ConnectionStack.of("org.eclipse.kura.cloudconnection.raw.mqtt.CloudEndpoint")).isEmpty();
        assertThat(ConnectionStack.of("io.azurekura.connector.cloud.CloudEndpoint-")).isEmpty();
        assertThat(ConnectionStack.of("io.azurekura.connector.cloud.CloudEndpoint-a-b")).isEmpty();
        assertThat(ConnectionStack.of("io.azurekura.connector.cloud.CloudEndpointX")).isEmpty();
        assertThat(ConnectionStack.of(null)).isEmpty();
    }

    @Test
    void theComponentsAreLinkedByTargetFilters() throws InvalidSyntaxException {
        ConnectionStack stack = ConnectionStack.of("io.azurekura.connector.cloud.CloudEndpoint-2").orElseThrow();

        assertThat(stack.endpointProperties())
                .containsEntry("kura.cloud.connection.factory.pid", CloudComponents.CONNECTION_FACTORY_PID)
                .containsEntry("HubConnection.target", "(kura.service.pid=io.azurekura.connector.cloud.HubConnection-2)");
        assertThat(stack.hubConnectionProperties())
                .containsEntry("SasTokenCache.target",
                        "(azurekura.cloud.endpoint=io.azurekura.connector.cloud.CloudEndpoint-2)")
                .containsEntry("DeviceProvisioner.target",
                        "(kura.service.pid=io.azurekura.connector.cloud.DpsProvisioner-2)");
        assertThat(stack.provisionerProperties()).containsEntry("SasTokenCache.target",
                CloudComponents.TOKEN_CACHE_FILTER);
        for (Object filter : stack.hubConnectionProperties().values()) {
            FrameworkUtil.createFilter((String) filter);
        }
    }
}
