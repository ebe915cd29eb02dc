package io.azurekura.connector.common.kura;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.eclipse.kura.configuration.Password;
import org.junit.jupiter.api.Test;

/** Values that arrive unchecked (REST, snapshots, cloud requests) are quoted safely in problems. */
class ConfigurationReaderTest {

    private enum Mode {
        A, B
    }

    @Test
    void aQuotedValueIsEscapedAndBounded() {
        ConfigurationReader config = new ConfigurationReader(Map.of("n", "12\r\nSEVERE: forged" + "x".repeat(500)));
        assertThat(config.number("n", 5, 0, 10)).isEqualTo(5);
        assertThat(config.problems()).singleElement().satisfies(problem -> assertThat(problem)
                .doesNotContain("\r").doesNotContain("\n").contains("\\r\\nSEVERE").hasSizeLessThan(200));
    }

    @Test
    void aPasswordIsNeverQuoted() {
        ConfigurationReader config = new ConfigurationReader(Map.of("mode", new Password("hunter2-secret"), "b",
                new Password("hunter2-secret")));
        assertThat(config.choice("mode", Mode.class, Mode.A)).isEqualTo(Mode.A);
        config.bool("b", false);
        assertThat(String.join("|", config.problems())).doesNotContain("hunter2").contains("(a password value)");
    }

    @Test
    void enumAndBooleanProblemsQuoteSafely() {
        ConfigurationReader config = new ConfigurationReader(Map.of("mode", "C\u001b[31m", "b", "yes\n"));
        config.choice("mode", Mode.class, Mode.A);
        config.bool("b", true);
        assertThat(config.problems()).hasSize(2).allSatisfy(problem -> assertThat(problem).doesNotContain("\u001b")
                .doesNotContain("\n"));
    }
}
