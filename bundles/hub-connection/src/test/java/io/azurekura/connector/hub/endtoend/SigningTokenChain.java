package io.azurekura.connector.hub.endtoend;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.SasTokenFormatException;
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
 * of the lifetime.
 */
public final class SigningTokenChain implements AutoCloseable {

    public final AtomicInteger fetches = new AtomicInteger();
    public final RenewingTokenCache cache;
    private final ExecutorTaskScheduler scheduler = new ExecutorTaskScheduler();
    private final ThreadPoolExecutor fetchPool = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), new NamedThreadFactory("test-token-fetch"));
    private volatile String key;
    private final Duration lifetime;

    public SigningTokenChain(String key, Duration lifetime, Duration invalidateMinInterval) {
        this.key = key;
        this.lifetime = lifetime;
        SecureRandom random = new SecureRandom();
        TokenSource source = this::sign;
        RenewalPolicy policy = new RenewalPolicy(0.8, 0.05, Duration.ofMinutes(5),
                new ExponentialBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(2),
                        random::nextDouble),
                invalidateMinInterval);
        this.cache = new RenewingTokenCache(source, policy, Clock.SYSTEM, this.scheduler, this.fetchPool,
                random::nextDouble);
    }

    /** Signs future tokens with another key (e.g. a token server with the wrong key). */
    public void signWith(String newKey) {
        this.key = newKey;
    }

    private SasToken sign(TokenScope scope) throws TokenFetchException {
        this.fetches.incrementAndGet();
        long se = Instant.now().plus(this.lifetime).getEpochSecond();
        try {
            return SasToken.parse(SasSigner.sign(scope.resourceUri(), this.key, se, null,
                    SasSigner.ResourceForm.PLAIN));
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
