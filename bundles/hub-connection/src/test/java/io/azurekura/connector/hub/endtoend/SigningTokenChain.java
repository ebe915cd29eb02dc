package io.azurekura.connector.hub.endtoend;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.SasTokenFormatException;
import io.azurekura.connector.api.token.ScopeKind;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.cache.internal.ExecutorTaskScheduler;
import io.azurekura.connector.cache.internal.RenewalPolicy;
import io.azurekura.connector.cache.internal.RenewingTokenCache;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * The token side of the chain, real from the cache on: a token source that signs with a device key (as a token server
 * would, through the independent {@link SasSigner}) feeding the real {@link RenewingTokenCache}, which renews at 80 %
 * of the lifetime (or the fraction given).
 */
public final class SigningTokenChain implements AutoCloseable {

    public final AtomicInteger fetches = new AtomicInteger();
    /** When each fetch reached the token source (wall clock), for request-rate figures. */
    public final ConcurrentLinkedQueue<Instant> fetchTimes = new ConcurrentLinkedQueue<>();
    public final RenewingTokenCache cache;
    private final ExecutorTaskScheduler scheduler = new ExecutorTaskScheduler();
    private final ThreadPoolExecutor fetchPool;
    private volatile Function<TokenScope, String> keys;
    private final Function<TokenScope, Duration> lifetimes;
    private volatile boolean outage;

    public SigningTokenChain(String key, Duration lifetime, Duration invalidateMinInterval) {
        this(scope -> key, scope -> lifetime, 0.8, 1, invalidateMinInterval);
    }

    /**
     * @param keys the key to sign each scope's tokens with
     * @param lifetimes each scope's token lifetime
     * @param fraction the cache's renewal fraction (jitter 0.05)
     * @param concurrency the token source requests in flight at most (the cache's sts.max.concurrency)
     */
    public SigningTokenChain(Function<TokenScope, String> keys, Function<TokenScope, Duration> lifetimes,
            double fraction, int concurrency, Duration invalidateMinInterval) {
        this.keys = keys;
        this.lifetimes = lifetimes;
        this.fetchPool = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory("test-token-fetch"));
        SecureRandom random = new SecureRandom();
        TokenSource source = this::sign;
        RenewalPolicy policy = new RenewalPolicy(fraction, 0.05, Duration.ofMinutes(5),
                new ExponentialBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(2),
                        random::nextDouble),
                invalidateMinInterval);
        this.cache = new RenewingTokenCache(source, policy, Clock.SYSTEM, this.scheduler, this.fetchPool,
                random::nextDouble);
    }

    /** Signs future tokens with another key (e.g. a token server with the wrong key). */
    public void signWith(String newKey) {
        this.keys = scope -> newKey;
    }

    /** While on, every request fails as if the token server were unreachable. */
    public void outage(boolean on) {
        this.outage = on;
    }

    public List<Instant> fetchTimes() {
        return List.copyOf(this.fetchTimes);
    }

    private SasToken sign(TokenScope scope) throws TokenFetchException {
        this.fetches.incrementAndGet();
        this.fetchTimes.add(Instant.now());
        if (this.outage) {
            throw new TokenFetchException(FetchFailure.UNREACHABLE, "token server down (test outage)");
        }
        long se = Instant.now().plus(this.lifetimes.apply(scope)).getEpochSecond();
        try {
            // The signer encodes ids itself: it is given them raw (resourceUri() holds them encoded already).
            String token = scope.kind() == ScopeKind.DPS_REGISTRATION
                    ? SasSigner.sign(scope.resourceUri(), this.keys.apply(scope), se, null,
                            SasSigner.ResourceForm.PLAIN)
                    : SasSigner.signFor(scope.hubHost(), scope.deviceId(), scope.moduleId(), this.keys.apply(scope),
                            se, SasSigner.ResourceForm.PLAIN);
            return SasToken.parse(token);
        } catch (SasTokenFormatException e) {
            throw new TokenFetchException(FetchFailure.INTERNAL, "test signer produced a bad token");
        }
    }

    @Override
    public void close() {
        this.cache.close();
        this.scheduler.close();
        this.fetchPool.shutdownNow();
    }
}
