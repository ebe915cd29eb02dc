package io.azurekura.connector.cache.component;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.resources.ProcessResources;

/** The DS shell: configuration problems in the status, and no thread left after deactivation. */
class TokenCacheComponentTest {

    private static TokenCacheComponent activated(Map<String, Object> properties) throws Exception {
        TokenCacheComponent component = new TokenCacheComponent();
        TokenSource failing = scope -> {
            throw new TokenFetchException(FetchFailure.UNREACHABLE, "down");
        };
        java.lang.reflect.Field source = TokenCacheComponent.class.getDeclaredField("tokenSource");
        source.setAccessible(true);
        source.set(component, failing);
        component.activate(new HashMap<>(properties));
        return component;
    }

    @Test
    void valuesReplacedByDefaultsAreShownInTheStatusSafely() throws Exception {
        try (CapturedLogs logs = new CapturedLogs()) {
            TokenCacheComponent component = activated(Map.of("fetch.min.interval.seconds", "0\r\nSEVERE: forged",
                    "renewal.fraction", 7.5, "sts.max.concurrency", "x".repeat(10_000)));
            try {
                List<String> problems = component.configurationProblems();
                assertThat(problems).hasSize(3).allSatisfy(problem -> assertThat(problem).doesNotContain("\n")
                        .doesNotContain("\r").hasSizeLessThan(300));
                assertThat(String.join("|", problems)).contains("fetch.min.interval.seconds")
                        .contains("renewal.fraction").contains("sts.max.concurrency");

                component.modified(Map.of());
                assertThat(component.configurationProblems()).as("fixed by reconfiguration").isEmpty();
            } finally {
                component.deactivate();
            }
        }
    }

    @Test
    void deactivationStopsEveryThreadOfTheCache() throws Exception {
        List<String> before = ProcessResources.threads(name -> name.startsWith("azure-sts-connector-token-"));
        TokenCacheComponent component = activated(Map.of());
        component.track(io.azurekura.connector.api.token.TokenScope.device("hub.example.net", "dev1"));
        component.deactivate();
        assertThat(ProcessResources.threads(name -> name.startsWith("azure-sts-connector-token-")))
                .isEqualTo(before);
    }
}
