package io.azurekura.connector.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.testsupport.logging.CapturedLogs;

/** Regression tests of issue 11's token cache defects (1, 8, 10); each failed on the code before its fix. */
class RenewingTokenCacheDefectTest {

    private static final TokenScope DEV1 = TokenScope.device("hub.example.net", "dev1");

    private final VirtualTime time = new VirtualTime();
    private final CapturedLogs logs = new CapturedLogs();
    private RenewingTokenCache cache;

    private RenewingTokenCache cache(io.azurekura.connector.api.sts.TokenSource source, Duration invalidateInterval) {
        RenewalPolicy policy = new RenewalPolicy(0.8, 0.0, Duration.ofMinutes(5),
                new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofMinutes(30),
                        () -> 0.0),
                invalidateInterval);
        this.cache = new RenewingTokenCache(source, policy, this.time, this.time, Runnable::run, () -> 0.0);
        return this.cache;
    }

    @AfterEach
    void close() {
        if (this.cache != null) {
            this.cache.close();
        }
        this.logs.close();
    }

    /** Defect 1: an Error left the in-flight flag set, so the identity was never fetched again. */
    @Test
    void anErrorFromTheSourceEndsTheFetchAndPlansARetry() throws Exception {
        ScriptedTokenSource healthy = new ScriptedTokenSource(this.time);
        int[] calls = { 0 };
        cache(scope -> {
            if (++calls[0] == 1) {
                throw new NoClassDefFoundError("com/example/Gone");
            }
            return healthy.fetch(scope);
        }, Duration.ofSeconds(30)).track(DEV1);

        assertThat(this.cache.status(DEV1).orElseThrow().lastError()).hasValueSatisfying(
                error -> assertThat(error).startsWith(FetchFailure.INTERNAL.name()).contains("NoClassDefFoundError"));
        assertThat(this.cache.status(DEV1).orElseThrow().nextRenewalAt()).isPresent();
        this.time.advance(2_000);
        assertThat(calls[0]).isEqualTo(2);
        assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.VALID);
    }

    /** Defect 8: two-second tokens with no minimum remaining life made the cache ask about once a second. */
    @Test
    void shortTokensAreNotFetchedMoreOftenThanTheFloor() {
        ScriptedTokenSource source = new ScriptedTokenSource(this.time);
        source.ttl(Duration.ofSeconds(2));
        cache(source, Duration.ofSeconds(30)).track(DEV1);

        this.time.advance(60_000);

        // default floor 5 s: the first fetch at 0 and then one every 5 s (before: one every 1.6 s, 38 in a minute)
        assertThat(source.calls.get()).isLessThanOrEqualTo(13);
    }

    /** Defect 10: every rate-limited invalidation wrote its own DEBUG line. */
    @Test
    void rateLimitedInvalidationsAreSummarisedOncePerWindow() {
        ScriptedTokenSource source = new ScriptedTokenSource(this.time);
        cache(source, Duration.ofSeconds(30)).track(DEV1);
        this.time.advance(15_000);
        this.logs.clear();

        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            accepted += this.cache.invalidate(DEV1, "BAD_CREDENTIAL") ? 1 : 0;
        }

        assertThat(accepted).isEqualTo(1);
        assertThat(this.logs.linesContaining("rate limit")).hasSizeLessThanOrEqualTo(1);
        assertThat(this.logs.lines()).hasSizeLessThanOrEqualTo(3);
    }
}
