package io.azurekura.connector.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.eclipse.kura.configuration.Password;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.azurekura.connector.itest.endtoend.ConnectorConfiguration;

class SandboxConfigTest {

    @TempDir
    Path directory;

    @Test
    void valuesAreTypedAsKuraTypesThemAndPlaceholdersAreFilledIn() throws Exception {
        Path file = this.directory.resolve("config.json");
        Files.writeString(file, "{\"components\":[{\"pid\":\"p\",\"properties\":{"
                + "\"int\":5,\"double\":0.5,\"big\":5000000000,\"bool\":true,\"text\":\"${a}/x\","
                + "\"secret\":{\"password\":\"${b}\"},\"list\":[\"${a}\",\"y\"]}},"
                + "{\"factoryPid\":\"f\",\"pid\":\"i\",\"properties\":{}}]}");

        ConnectorConfiguration configuration = SandboxConfig.read(file)
                .resolve(Map.of("a", "A", "b", "s3cret")::get);

        Map<String, Object> properties = configuration.singletons().get("p");
        assertThat(properties.get("int")).isEqualTo(5);
        assertThat(properties.get("double")).isEqualTo(0.5d);
        assertThat(properties.get("big")).isEqualTo(5_000_000_000L);
        assertThat(properties.get("bool")).isEqualTo(true);
        assertThat(properties.get("text")).isEqualTo("A/x");
        assertThat(properties.get("secret")).isInstanceOf(Password.class)
                .satisfies(p -> assertThat(((Password) p).getPassword()).isEqualTo("s3cret".toCharArray()));
        assertThat(properties.get("list")).isEqualTo(new String[] { "A", "y" });
        assertThat(configuration.instancePids("f")).containsExactly("i");
    }

    @Test
    void aMissingEnvironmentVariableIsNamed() {
        assertThatThrownBy(() -> SandboxConfig.substitute("${env:STS_URL}", name -> null))
                .hasMessageContaining("STS_URL");
    }

    @Test
    void bothShippedConfigurationsParseAndResolve() {
        for (String name : new String[] { "sandbox.json", "sandbox-azure.example.json" }) {
            SandboxConfig config = SandboxConfig.read(Path.of(name));
            ConnectorConfiguration configuration = config.resolve(placeholder -> "value-of-" + placeholder);
            assertThat(configuration.singletons()).as(name).containsKeys(ConnectorConfiguration.STS_CLIENT_PID,
                    ConnectorConfiguration.TOKEN_CACHE_PID);
            assertThat(configuration.instancePids(ConnectorConfiguration.HUB_FACTORY_PID)).as(name).hasSize(1);
            assertThat(configuration.instancePids(ConnectorConfiguration.DPS_FACTORY_PID)).as(name).hasSize(1);
        }
        assertThat(SandboxConfig.read(Path.of("sandbox.json")).emulators.tokenTtl()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void durationsReadAsUsersWriteThem() {
        assertThat(Sandbox.parseDuration("")).isNull();
        assertThat(Sandbox.parseDuration("90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Sandbox.parseDuration("60s")).isEqualTo(Duration.ofSeconds(60));
        assertThat(Sandbox.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Sandbox.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> Sandbox.parseDuration("soon")).hasMessageContaining("60s");
    }
}
