package io.azurekura.connector.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.TokenEvent;
import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.backoff.ExponentialBackoff;

class RenewingTokenCacheTest {

    private static final TokenScope DEV1 = TokenScope.device("hub.example.net", "dev1");

    private final VirtualTime time = new VirtualTime();
    private final ScriptedTokenSource source = new ScriptedTokenSource(this.time);
    private final List<TokenEvent> events = new CopyOnWriteArrayList<>();
    private RenewingTokenCache cache;

    private RenewingTokenCache cache(double fraction, double jitter, Duration margin, DoubleSupplier random) {
        RenewalPolicy policy = new RenewalPolicy(fraction, jitter, margin,
                new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofMinutes(30),
                        random),
                Duration.ofSeconds(30));
        this.cache = new RenewingTokenCache(this.source, policy, this.time, this.time, Runnable::run, random);
        this.cache.addListener(this.events::add);
        return this.cache;
    }

    private RenewingTokenCache defaultCache() {
        return cache(0.8, 0.05, Duration.ofMinutes(5), () -> 0.5);
    }

    @AfterEach
    void close() {
        if (this.cache != null) {
            this.cache.close();
        }
    }

    @Test
    void servesTheFetchedTokenAsAFreshCopyOnEveryCall() throws Exception {
        ManagedToken token = defaultCache().track(DEV1);

        assertThat(this.source.calls).hasValue(1);
        char[] first = token.sasToken();
        char[] second = token.sasToken();
        assertThat(first).isNotSameAs(second).isEqualTo(second);
        SasToken parsed = SasToken.parse(new String(first));
        assertThat(DEV1.matchesAudience(parsed.resource())).isTrue();
        assertThat(token.awaitValid(Duration.ZERO)).isTrue();
        assertThat(token.status().state()).isEqualTo(TokenState.VALID);
        assertThat(this.source.calls).hasValue(1);
    }

    @Test
    void beforeTheFirstTokenItServesAWellFormedExpiredPlaceholderNeverNull() throws Exception {
        this.source.outage();
        ManagedToken token = defaultCache().track(DEV1);

        char[] placeholder = token.sasToken();
        SasToken parsed = SasToken.parse(new String(placeholder));
        assertThat(parsed.isExpired(java.time.Instant.now())).isTrue();
        assertThat(DEV1.matchesAudience(parsed.resource())).isTrue();
        assertThat(token.current()).isEmpty();
        assertThat(token.awaitValid(Duration.ofMillis(20))).isFalse();
        assertThat(token.status().state()).isEqualTo(TokenState.PENDING);
        assertThat(token.status().lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("UNREACHABLE"));
    }

    @Test
    void renewsAtTheConfiguredFractionOfTheIssuedLifetimeWithJitterOnlyEarlier() {
        // random = 0 -> no jitter: exactly 80 s of a 100 s token
        cache(0.8, 0.05, Duration.ofMinutes(5), () -> 0.0).track(DEV1);
        this.time.advance(79_999);
        assertThat(this.source.calls).hasValue(1);
        this.time.advance(1);
        assertThat(this.source.calls).hasValue(2);
    }

    @Test
    void fullJitterPullsRenewalEarlierButNeverBeforeTheJitterWindow() {
        // random -> 1: the earliest point of the window, 75 s
        cache(0.8, 0.05, Duration.ofMinutes(5), () -> 0.999_999).track(DEV1);
        this.time.advance(74_998);
        assertThat(this.source.calls).hasValue(1);
        this.time.advance(2);
        assertThat(this.source.calls).hasValue(2);
    }

    @Test
    void renewalTimesStayInsideTheWindowForManyRandomDraws() {
        java.util.Random random = new java.util.Random(42);
        RenewalPolicy policy = new RenewalPolicy(0.8, 0.05, Duration.ofMinutes(5),
                new ExponentialBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ZERO, () -> 0),
                Duration.ZERO);
        for (int i = 0; i < 10_000; i++) {
            long delay = policy.renewalDelayMillis(3_600_000, random.nextDouble());
            assertThat(delay).isBetween(2_700_000L, 2_880_000L);
        }
    }

    @Test
    void theSafetyMarginIsAHardBoundBeforeExpiry() {
        RenewalPolicy policy = new RenewalPolicy(0.95, 0.0, Duration.ofMinutes(5),
                new ExponentialBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ZERO, () -> 0),
                Duration.ZERO);
        // 95 % of an hour would be 57 min, only 3 min before expiry: the 5 min margin wins
        assertThat(policy.renewalDelayMillis(3_600_000, 0)).isEqualTo(3_300_000);
        // a 20 s test token: the margin scales down instead of forcing an immediate renewal loop
        assertThat(policy.renewalDelayMillis(20_000, 0)).isEqualTo(18_000);
    }

    @Test
    void aShortTokenIsRenewedOncePerLifetimeNotContinuously() {
        this.source.ttl(Duration.ofSeconds(20));
        defaultCache().track(DEV1);
        this.time.advance(200_000); // ten lifetimes
        // one per 15.8 s (0.8 - 0.05 * 0.5 of 20 s, rounded down to whole seconds by se)
        assertThat(this.source.calls.get()).isBetween(11, 15);
        assertThat(this.cache.status(DEV1).orElseThrow().state()).isEqualTo(TokenState.VALID);
    }

    @Test
    void aHundredConcurrentCallersAtExpiryCauseOneTokenServerCall() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        io.azurekura.connector.api.sts.TokenSource slow = scope -> {
            calls.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ScriptedTokenSource.token(scope, java.time.Instant.now().plusSeconds(3600).getEpochSecond(), 1);
        };
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(100);
        try {
            RenewalPolicy policy = new RenewalPolicy(0.8, 0.05, Duration.ofMinutes(5),
                    new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ZERO, () -> 0),
                    Duration.ZERO);
            this.cache = new RenewingTokenCache(slow, policy, io.azurekura.connector.common.time.Clock.SYSTEM,
                    new ExecutorTaskScheduler(), pool, () -> 0.5);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(100);
            List<java.util.concurrent.Future<char[]>> results = new ArrayList<>();
            List<ManagedToken> handles = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 100; i++) {
                results.add(callers.submit(() -> {
                    start.await();
                    ManagedToken handle = this.cache.track(DEV1);
                    handles.add(handle);
                    this.cache.invalidate(DEV1, "caller wants a new one");
                    return handle.sasToken();
                }));
            }
            for (java.util.concurrent.Future<char[]> result : results) {
                assertThat(result.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
            }
            release.countDown();
            assertThat(handles.get(0).awaitValid(Duration.ofSeconds(10))).isTrue();
            assertThat(calls).hasValue(1);
        } finally {
            release.countDown();
            callers.shutdownNow();
            pool.shutdownNow();
        }
    }

    @Test
    void anOutageLongerThanTheTokenLifeKeepsServingTheTokenWithBoundedCalls() throws Exception {
        this.source.ttl(Duration.ofSeconds(60));
        ManagedToken token = defaultCache().track(DEV1);
        char[] lastGood = token.sasToken();
        this.source.outage();

        this.time.advance(10 * 60_000); // ten minutes of outage, ten token lifetimes

        // backoff from 2 s doubling to a 60 s ceiling, jittered (random 0.5 -> half-way): 2, 3, 5, 9, 17 s, then
        // 31 s apart: about 22 calls in ten minutes, where a naive provider retrying every 10 ms would make 60,000
        int callsDuringOutage = this.source.calls.get() - 1;
        assertThat(callsDuringOutage).isBetween(5, 25);
        assertThat(token.sasToken()).isEqualTo(lastGood);
        TokenStatus status = token.status();
        assertThat(status.state()).isEqualTo(TokenState.EXPIRED);
        assertThat(status.consecutiveFailures()).isEqualTo(callsDuringOutage);
        assertThat(status.lastError()).hasValueSatisfying(e -> assertThat(e).contains("UNREACHABLE"));
        assertThat(status.nextRenewalAt()).isPresent();

        this.source.recover();
        this.time.advance(60_000);
        assertThat(token.status().state()).isEqualTo(TokenState.VALID);
        assertThat(token.sasToken()).isNotEqualTo(lastGood);
        assertThat(this.events).anyMatch(e -> e.type() == TokenEvent.Type.STATE_CHANGED
                && e.status().state() == TokenState.VALID && e.previousState() == TokenState.EXPIRED);
    }

    @Test
    void aFailingRenewalKeepsTheValidTokenAndReportsFailing() {
        this.source.ttl(Duration.ofSeconds(100));
        ManagedToken token = defaultCache().track(DEV1);
        char[] good = token.sasToken();
        this.source.outage();
        this.time.advance(80_000); // renewal due at ~77.5 s fails

        assertThat(token.status().state()).isEqualTo(TokenState.FAILING);
        assertThat(token.sasToken()).isEqualTo(good);
        assertThat(this.events).anyMatch(e -> e.type() == TokenEvent.Type.FETCH_FAILED);
    }

    @Test
    void retryAfterFromTheServerIsHonoured() {
        this.source.failWith(() -> new TokenFetchException(FetchFailure.HTTP_STATUS, "HTTP 429", 429,
                Duration.ofSeconds(45), null));
        defaultCache().track(DEV1);
        assertThat(this.source.calls).hasValue(1);
        this.time.advance(44_999);
        assertThat(this.source.calls).hasValue(1);
        this.time.advance(1);
        assertThat(this.source.calls).hasValue(2);
    }

    @Test
    void anAlreadyExpiredTokenIsAFailureNotATightLoop() {
        this.source.ttl(Duration.ofSeconds(-10));
        ManagedToken token = defaultCache().track(DEV1);
        this.time.advance(10_000);
        assertThat(this.source.calls.get()).isLessThanOrEqualTo(4); // at 0, 2, 5 and 10 s
        assertThat(token.status().lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("EXPIRED"));
    }

    @Test
    void invalidationIsRateLimitedPerScope() {
        defaultCache().track(DEV1);
        assertThat(this.cache.invalidate(DEV1, "BAD_CREDENTIAL")).isTrue();
        assertThat(this.source.calls).hasValue(2);
        assertThat(this.cache.invalidate(DEV1, "BAD_CREDENTIAL")).isFalse();
        this.time.advance(29_000);
        assertThat(this.cache.invalidate(DEV1, "BAD_CREDENTIAL")).isFalse();
        assertThat(this.source.calls).hasValue(2);
        this.time.advance(1_000);
        assertThat(this.cache.invalidate(DEV1, "BAD_CREDENTIAL")).isTrue();
        assertThat(this.source.calls).hasValue(3);
        assertThat(this.cache.invalidate(TokenScope.device("other", "x"), "untracked")).isFalse();
    }

    @Test
    void listenersHearEveryRenewal() {
        this.source.ttl(Duration.ofSeconds(20));
        defaultCache().track(DEV1);
        this.time.advance(60_000);
        long renewals = this.events.stream().filter(e -> e.type() == TokenEvent.Type.RENEWED).count();
        assertThat(renewals).isEqualTo(this.source.calls.get());
        assertThat(this.events).allMatch(e -> e.scope().equals(DEV1));
    }

    @Test
    void aWallClockJumpForwardReplansRenewalByTheNewWallTime() {
        this.source.ttl(Duration.ofSeconds(3600));
        cache(0.8, 0.0, Duration.ofMinutes(5), () -> 0.0).track(DEV1);
        this.time.advance(100_000);
        this.time.jumpWallClock(1_000_000); // the wall clock now says 1100 s have passed
        this.time.advance(RenewingTokenCache.CLOCK_CHECK_INTERVAL_MILLIS);
        // renewal must now happen when the wall clock reaches 2880 s after issue: ~1780 s of monotonic time
        this.time.advance(1_769_000);
        assertThat(this.source.calls).hasValue(1);
        this.time.advance(2_000);
        assertThat(this.source.calls).hasValue(2);
    }

    @Test
    void releasingTheLastHandleStopsRenewals() {
        ManagedToken first = defaultCache().track(DEV1);
        ManagedToken second = this.cache.track(DEV1);
        assertThat(this.source.calls).hasValue(1);
        first.close();
        this.time.advance(100_000);
        assertThat(this.source.calls).hasValue(2);
        second.close();
        assertThat(this.cache.status(DEV1)).isEmpty();
        this.time.advance(1_000_000);
        assertThat(this.source.calls).hasValue(2);
        assertThat(second.sasToken()).isNotNull();
    }

    @Test
    void scopesAreIndependent() {
        defaultCache().track(DEV1);
        TokenScope dps = TokenScope.dpsRegistration("0ne0001", "dev1");
        this.cache.track(dps);
        assertThat(this.cache.statuses()).extracting(TokenStatus::scope).containsExactlyInAnyOrder(DEV1, dps);
        assertThat(this.source.calls).hasValue(2);
    }
}
