package io.azurekura.connector.cache.component;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenListener;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.cache.internal.ExecutorTaskScheduler;
import io.azurekura.connector.cache.internal.RenewalPolicy;
import io.azurekura.connector.cache.internal.RenewingTokenCache;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.kura.ConfigurationReader;
import io.azurekura.connector.common.time.Clock;

/** Maps Kura configuration onto {@link RenewingTokenCache} and owns its threads. */
@Component(name = TokenCacheComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = { SasTokenCache.class, ConfigurableComponent.class })
@Designate(ocd = TokenCacheConfiguration.class)
public final class TokenCacheComponent implements SasTokenCache, ConfigurableComponent {

    public static final String PID = "io.azurekura.connector.cache.TokenCache";

    private static final Logger LOG = LoggerFactory.getLogger(TokenCacheComponent.class);
    /** Longest Retry-After we obey; a hostile or broken header must not park renewals for days. */
    private static final Duration RETRY_AFTER_CAP = Duration.ofMinutes(30);
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    @Reference(name = "TokenSource")
    private TokenSource tokenSource;

    private ExecutorTaskScheduler scheduler;
    private ThreadPoolExecutor fetchPool;
    private RenewingTokenCache cache;
    /** Values replaced by defaults at the last (re)configuration, for the status. */
    private volatile List<String> configurationProblems = List.of();

    @Activate
    void activate(Map<String, Object> properties) {
        this.scheduler = new ExecutorTaskScheduler();
        this.fetchPool = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new NamedThreadFactory("token-fetch"));
        this.fetchPool.allowCoreThreadTimeOut(true);
        RenewalPolicy policy = applyConfiguration(properties);
        SecureRandom random = new SecureRandom();
        this.cache = new RenewingTokenCache(this.tokenSource, policy, Clock.SYSTEM, this.scheduler, this.fetchPool,
                random::nextDouble);
        LOG.info("Token cache active");
    }

    @Modified
    void modified(Map<String, Object> properties) {
        this.cache.updatePolicy(applyConfiguration(properties));
        LOG.info("Token cache reconfigured");
    }

    @Deactivate
    void deactivate() {
        this.cache.close();
        this.scheduler.close();
        this.fetchPool.shutdownNow();
        try {
            // Interrupted fetches return at once (the STS client aborts its exchange); wait so none outlives us.
            this.fetchPool.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Token cache stopped");
    }

    /** Bad values are reported and replaced by defaults: the cache must stay up for every identity. */
    private RenewalPolicy applyConfiguration(Map<String, Object> properties) {
        ConfigurationReader config = new ConfigurationReader(properties);
        double fraction = config.decimal("renewal.fraction", 0.8, 0.1, 0.95);
        double jitter = config.decimal("renewal.jitter", 0.05, 0, 0.5);
        if (jitter >= fraction) {
            config.problem("renewal.jitter must be smaller than renewal.fraction; using 0");
            jitter = 0;
        }
        long margin = config.number("renewal.safety.margin.seconds", 300, 0, 86_400);
        long initial = config.number("retry.initial.ms", 2000, 100, 3_600_000);
        long max = config.number("retry.max.ms", 60_000, 1000, 3_600_000);
        if (max < initial) {
            config.problem("retry.max.ms is smaller than retry.initial.ms; using both as maximum");
            max = initial;
        }
        long invalidateInterval = config.number("invalidate.min.interval.seconds", 30, 0, 86_400);
        long fetchFloor = config.number("fetch.min.interval.seconds",
                RenewalPolicy.DEFAULT_FETCH_MIN_INTERVAL.getSeconds(), 1, 3_600);
        int concurrency = (int) config.number("sts.max.concurrency", 4, 1, 64);
        config.problems().forEach(problem -> LOG.warn("Token cache configuration: {}", problem));
        this.configurationProblems = List.copyOf(config.problems());

        this.fetchPool.setMaximumPoolSize(Math.max(concurrency, this.fetchPool.getCorePoolSize()));
        this.fetchPool.setCorePoolSize(concurrency);
        this.fetchPool.setMaximumPoolSize(concurrency);
        SecureRandom random = new SecureRandom();
        return new RenewalPolicy(fraction, jitter, Duration.ofSeconds(margin),
                new ExponentialBackoff(Duration.ofMillis(initial), Duration.ofMillis(max), RETRY_AFTER_CAP,
                        random::nextDouble),
                Duration.ofSeconds(invalidateInterval), Duration.ofSeconds(fetchFloor));
    }

    @Override
    public List<String> configurationProblems() {
        return this.configurationProblems;
    }

    @Override
    public ManagedToken track(TokenScope scope) {
        return this.cache.track(scope);
    }

    @Override
    public boolean invalidate(TokenScope scope, String reason) {
        return this.cache.invalidate(scope, reason);
    }

    @Override
    public Optional<TokenStatus> status(TokenScope scope) {
        return this.cache.status(scope);
    }

    @Override
    public List<TokenStatus> statuses() {
        return this.cache.statuses();
    }

    @Override
    public void addListener(TokenListener listener) {
        this.cache.addListener(listener);
    }

    @Override
    public void removeListener(TokenListener listener) {
        this.cache.removeListener(listener);
    }
}
