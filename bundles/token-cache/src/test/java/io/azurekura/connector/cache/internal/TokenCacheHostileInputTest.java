package io.azurekura.connector.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.testsupport.hostile.HostileInputReport;
import io.azurekura.connector.testsupport.logging.CapturedLogs;

/**
 * Hostile token sources, callers and clocks against the cache, one input each, in virtual time. Every case asserts
 * the classified outcome, the bound (calls to the source within a minute, or lines logged) and that no token
 * material reaches a log line or the status; and that the identity recovers once the source behaves.
 */
@ExtendWith(HostileInputReport.class)
class TokenCacheHostileInputTest {

    private static final TokenScope DEV1 = TokenScope.device("hub.example.net", "dev1");
    /** Looks like a signature (URL-safe base64) so that it can stand in one. */
    private static final String SECRET = "U3VwM3JTZWNyZXRTb3VyY2VWYWx1ZTQy";
    /** Fetches allowed per virtual minute when every fetch fails: backoff 2, 4, 8, 16, 32 s, then 60 s. */
    private static final int MAX_FAILING_CALLS_PER_MINUTE = 7;

    private final VirtualTime time = new VirtualTime();
    private final CapturedLogs logs = new CapturedLogs();
    private RenewingTokenCache cache;

    @AfterEach
    void close() {
        if (this.cache != null) {
            this.cache.close();
        }
        this.logs.close();
    }

    /** A source whose first {@code bad} answers come from {@code hostile}, then valid 100 s tokens. */
    private static final class HostileSource implements TokenSource {
        final AtomicInteger calls = new AtomicInteger();
        final VirtualTime time;
        final Behaviour hostile;
        volatile int bad;

        HostileSource(VirtualTime time, Behaviour hostile, int bad) {
            this.time = time;
            this.hostile = hostile;
            this.bad = bad;
        }

        @Override
        public SasToken fetch(TokenScope scope) throws TokenFetchException {
            int call = this.calls.incrementAndGet();
            if (call <= this.bad) {
                try {
                    return this.hostile.answer(scope, this.time);
                } catch (TokenFetchException | RuntimeException | Error e) {
                    throw e;
                } catch (Throwable e) {
                    throw new IllegalStateException("scripted checked throwable", e);
                }
            }
            return ScriptedTokenSource.token(scope, Instant.ofEpochMilli(this.time.wallMillis()).plusSeconds(100)
                    .getEpochSecond(), call);
        }
    }

    @FunctionalInterface
    interface Behaviour {
        SasToken answer(TokenScope scope, VirtualTime time) throws Throwable;
    }

    private static SasToken tokenFor(String audience, long se) {
        try {
            return SasToken.parse("SharedAccessSignature sr=" + audience + "&sig=" + SECRET + "&se=" + se);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long nowSeconds(VirtualTime time) {
        return time.wallMillis() / 1000;
    }

    private RenewingTokenCache cache(TokenSource source) {
        RenewalPolicy policy = new RenewalPolicy(0.8, 0.0, Duration.ofMinutes(5),
                new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofMinutes(30),
                        () -> 1.0),
                Duration.ofSeconds(30), Duration.ofSeconds(10));
        this.cache = new RenewingTokenCache(source, policy, this.time, this.time, Runnable::run, () -> 0.0);
        return this.cache;
    }

    private void assertNothingLeaked(TokenStatus status) {
        assertThat(this.logs.leakedSecrets(SECRET)).isEmpty();
        assertThat(String.valueOf(status)).doesNotContain(SECRET);
        for (String line : this.logs.lines()) {
            assertThat(line.chars().filter(c -> c == '\n').count()).as("one record, two lines").isLessThanOrEqualTo(2);
        }
    }

    // ---- sources that fail, hang up or lie

    static Stream<Arguments> hostileSources() {
        return Stream.of(
                Arguments.of("NoClassDefFoundError", (Behaviour) (s, t) -> {
                    throw new NoClassDefFoundError("com/example/Gone " + SECRET);
                }, FetchFailure.INTERNAL),
                Arguments.of("OutOfMemoryError", (Behaviour) (s, t) -> {
                    throw new OutOfMemoryError("Java heap space");
                }, FetchFailure.INTERNAL),
                Arguments.of("StackOverflowError", (Behaviour) (s, t) -> {
                    throw new StackOverflowError();
                }, FetchFailure.INTERNAL),
                Arguments.of("AssertionError with the secret", (Behaviour) (s, t) -> {
                    throw new AssertionError("Bearer " + SECRET);
                }, FetchFailure.INTERNAL),
                Arguments.of("ExceptionInInitializerError", (Behaviour) (s, t) -> {
                    throw new ExceptionInInitializerError("static init of " + SECRET);
                }, FetchFailure.INTERNAL),
                Arguments.of("NullPointerException", (Behaviour) (s, t) -> {
                    throw new NullPointerException();
                }, FetchFailure.INTERNAL),
                Arguments.of("IllegalArgumentException quoting a header", (Behaviour) (s, t) -> {
                    throw new IllegalArgumentException("invalid header value: \"Bearer " + SECRET + "\r\n\"");
                }, FetchFailure.INTERNAL),
                Arguments.of("RuntimeException with a SAS token", (Behaviour) (s, t) -> {
                    throw new IllegalStateException("SharedAccessSignature sr=x&sig=" + SECRET + "&se=1");
                }, FetchFailure.INTERNAL),
                Arguments.of("TokenFetchException with the signature", (Behaviour) (s, t) -> {
                    throw new TokenFetchException(FetchFailure.MALFORMED, "bad token sig=" + SECRET);
                }, FetchFailure.MALFORMED),
                Arguments.of("TokenFetchException forging a log line", (Behaviour) (s, t) -> {
                    throw new TokenFetchException(FetchFailure.HTTP_STATUS, "HTTP 500\r\nSEVERE: forged sig%3D"
                            + SECRET);
                }, FetchFailure.HTTP_STATUS),
                Arguments.of("TokenFetchException with a 10 MB message", (Behaviour) (s, t) -> {
                    throw new TokenFetchException(FetchFailure.HTTP_STATUS, "x".repeat(10_000_000));
                }, FetchFailure.HTTP_STATUS),
                Arguments.of("Retry-After of a year", (Behaviour) (s, t) -> {
                    throw new TokenFetchException(FetchFailure.HTTP_STATUS, "HTTP 429", 429, Duration.ofDays(365),
                            null);
                }, FetchFailure.HTTP_STATUS),
                Arguments.of("Retry-After negative", (Behaviour) (s, t) -> {
                    throw new TokenFetchException(FetchFailure.HTTP_STATUS, "HTTP 429", 429, Duration.ofSeconds(-5),
                            null);
                }, FetchFailure.HTTP_STATUS),
                Arguments.of("returns null", (Behaviour) (s, t) -> null, FetchFailure.INTERNAL),
                Arguments.of("token for another device", (Behaviour) (s, t) -> tokenFor("hub.example.net%2Fdevices%2Fother",
                        nowSeconds(t) + 3600), FetchFailure.WRONG_AUDIENCE),
                Arguments.of("token for another hub", (Behaviour) (s, t) -> tokenFor("evil.example.net%2Fdevices%2Fdev1",
                        nowSeconds(t) + 3600), FetchFailure.WRONG_AUDIENCE),
                Arguments.of("token already expired", (Behaviour) (s, t) -> tokenFor("hub.example.net%2Fdevices%2Fdev1",
                        nowSeconds(t) - 10), FetchFailure.EXPIRED),
                Arguments.of("token expiring now", (Behaviour) (s, t) -> tokenFor("hub.example.net%2Fdevices%2Fdev1",
                        nowSeconds(t)), FetchFailure.EXPIRED),
                Arguments.of("token valid for 100 years", (Behaviour) (s, t) -> tokenFor(
                        "hub.example.net%2Fdevices%2Fdev1", nowSeconds(t) + 3_153_600_000L),
                        FetchFailure.LIFETIME_TOO_LONG),
                Arguments.of("not configured", (Behaviour) (s, t) -> {
                    throw new TokenFetchException(FetchFailure.NOT_CONFIGURED, "the token server URL is empty");
                }, FetchFailure.NOT_CONFIGURED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileSources")
    void hostileSourceIsClassifiedRetriedWithBackoffAndRecovers(String name, Behaviour behaviour,
            FetchFailure expected) {
        HostileSource source = new HostileSource(this.time, behaviour, Integer.MAX_VALUE);
        cache(source).track(DEV1);

        TokenStatus failing = this.cache.status(DEV1).orElseThrow();
        assertThat(failing.lastError()).hasValueSatisfying(error -> assertThat(error).startsWith(expected.name())
                .doesNotContain("\r").doesNotContain("\n").hasSizeLessThanOrEqualTo(
                        RenewingTokenCache.MAX_ERROR_CHARS + 64));
        assertThat(failing.nextRenewalAt()).as("a retry is planned").isPresent();
        assertThat(failing.state()).isEqualTo(TokenState.PENDING);

        this.time.advance(60_000);
        assertThat(source.calls.get()).as("calls in a minute").isBetween(1, MAX_FAILING_CALLS_PER_MINUTE);
        assertThat(this.logs.linesContaining("WARNING")).as("warned once, not per retry").hasSizeLessThanOrEqualTo(2);

        source.bad = 0;
        // longer than the Retry-After cap (30 min), so every case must have retried by then
        this.time.advance(Duration.ofMinutes(31).toMillis());
        assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.VALID);
        assertThat(this.cache.invalidate(DEV1, "after recovery")).isTrue();
        assertNothingLeaked(this.cache.status(DEV1).orElseThrow());
    }

    // ---- callers, clocks and listeners

    static Stream<Arguments> hostileSurroundings() {
        return Stream.of(
                Arguments.of("10,000 invalidations in one second"),
                Arguments.of("invalidation reason forging log lines and carrying a signature"),
                Arguments.of("invalidation reason of 1 MB"),
                Arguments.of("2 s tokens with no minimum remaining life"),
                Arguments.of("wall clock jumps a year forward"),
                Arguments.of("wall clock jumps a year back"),
                Arguments.of("wall clock jitters by 3 s every 10 s for an hour"),
                Arguments.of("listener throws a RuntimeException"),
                Arguments.of("listener throws an Error"),
                Arguments.of("source hangs (fetch never returns) while callers invalidate"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileSurroundings")
    void hostileSurroundingIsBounded(String name) {
        ScriptedTokenSource source = new ScriptedTokenSource(this.time);
        switch (name) {
        case "10,000 invalidations in one second": {
            cache(source).track(DEV1);
            this.time.advance(15_000);
            this.logs.clear();
            int accepted = 0;
            for (int i = 0; i < 10_000; i++) {
                accepted += this.cache.invalidate(DEV1, "BAD_CREDENTIAL") ? 1 : 0;
            }
            assertThat(accepted).isEqualTo(1);
            assertThat(source.calls.get()).isEqualTo(2);
            assertThat(this.logs.lines()).hasSizeLessThanOrEqualTo(3);
            this.time.advance(30_000);
            this.logs.clear();
            assertThat(this.cache.invalidate(DEV1, "BAD_CREDENTIAL")).isTrue();
            assertThat(this.logs.linesContaining("9999 invalidations were ignored")).hasSize(1);
            break;
        }
        case "invalidation reason forging log lines and carrying a signature": {
            cache(source).track(DEV1);
            assertThat(this.cache.invalidate(DEV1, "refused\r\nSEVERE: forged line sig=" + SECRET + " Bearer "
                    + SECRET)).isTrue();
            assertThat(this.logs.linesContaining("forged line")).hasSize(1);
            break;
        }
        case "invalidation reason of 1 MB": {
            cache(source).track(DEV1);
            assertThat(this.cache.invalidate(DEV1, "r".repeat(1 << 20))).isTrue();
            assertThat(this.logs.linesContaining("invalidated")).singleElement()
                    .satisfies(line -> assertThat(line.length()).isLessThan(1000));
            break;
        }
        case "2 s tokens with no minimum remaining life": {
            source.ttl(Duration.ofSeconds(2));
            cache(source).track(DEV1);
            this.time.advance(600_000);
            // floor 10 s: 1 + 60 fetches in ten minutes, instead of ~660
            assertThat(source.calls.get()).isBetween(55, 61);
            break;
        }
        case "wall clock jumps a year forward": {
            cache(source).track(DEV1);
            this.time.jumpWallClock(Duration.ofDays(365).toMillis());
            this.time.advance(60_000);
            assertThat(source.calls.get()).isBetween(2, 8);
            assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.VALID);
            break;
        }
        case "wall clock jumps a year back": {
            cache(source).track(DEV1);
            this.time.jumpWallClock(-Duration.ofDays(365).toMillis());
            this.time.advance(60_000);
            assertThat(source.calls.get()).isBetween(1, 3);
            assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.VALID);
            break;
        }
        case "wall clock jitters by 3 s every 10 s for an hour": {
            cache(source).track(DEV1);
            for (int i = 0; i < 360; i++) {
                this.time.jumpWallClock(i % 2 == 0 ? 3_000 : -3_000);
                this.time.advance(10_000);
            }
            // 100 s tokens renewed at 80 s: ~45 per hour; the jitter must not add a storm
            assertThat(source.calls.get()).isBetween(40, 370);
            assertThat(this.logs.linesContaining("Wall clock stepped")).hasSizeLessThanOrEqualTo(360);
            break;
        }
        case "listener throws a RuntimeException":
        case "listener throws an Error": {
            cache(source).addListener(event -> {
                if (name.contains("Error")) {
                    throw new LinkageError("listener bundle gone " + SECRET);
                }
                throw new IllegalStateException("listener bug " + SECRET);
            });
            this.cache.track(DEV1);
            this.time.advance(300_000);
            assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.VALID);
            assertThat(source.calls.get()).isBetween(3, 5);
            break;
        }
        case "source hangs (fetch never returns) while callers invalidate": {
            java.util.List<Runnable> parked = new java.util.ArrayList<>();
            RenewalPolicy policy = new RenewalPolicy(0.8, 0.0, Duration.ofMinutes(5),
                    new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofMinutes(30),
                            () -> 1.0),
                    Duration.ZERO, Duration.ofSeconds(10));
            // The fetch pool never runs the task: as if the source blocked forever on a fetch thread.
            this.cache = new RenewingTokenCache(source, policy, this.time, this.time, parked::add, () -> 0.0);
            this.cache.track(DEV1);
            for (int i = 0; i < 1000; i++) {
                this.cache.invalidate(DEV1, "again");
                this.time.advance(100);
            }
            assertThat(parked).as("single flight: one fetch in flight per identity").hasSize(1);
            assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.PENDING);
            parked.get(0).run();
            assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.VALID);
            break;
        }
        default:
            throw new IllegalArgumentException(name);
        }
        this.cache.statuses().forEach(this::assertNothingLeaked);
        assertThat(this.logs.leakedSecrets(SECRET)).isEmpty();
    }
}
