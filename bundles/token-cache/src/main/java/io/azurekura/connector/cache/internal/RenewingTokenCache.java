package io.azurekura.connector.cache.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.DoubleSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenEvent;
import io.azurekura.connector.api.cache.TokenListener;
import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.SasFormat;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.redact.Redactor;
import io.azurekura.connector.common.time.Clock;

/**
 * The token cache: one entry per scope, fetches only from the timer or an explicit invalidation, never from a
 * reader. Readers (SDK threads) get the published token with one volatile read and a copy.
 * <p>
 * Single flight: an entry has at most one fetch in flight ({@code fetchInFlight}, set under the entry's lock), so
 * any number of readers, renewals and invalidations cost one token server request at a time per scope. Static
 * stability: a failed renewal never removes the token being served; it is retried with capped backoff until it
 * succeeds, before and after expiry (after expiry the hub refuses the old token and the SDK backs off, which is
 * what we want rather than handing it null or an exception).
 */
public final class RenewingTokenCache implements SasTokenCache, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RenewingTokenCache.class);

    /** How often to compare the wall clock with the monotonic clock. */
    static final long CLOCK_CHECK_INTERVAL_MILLIS = 10_000;
    /** A wall-clock step larger than this (NTP correction, resume from sleep) triggers a re-evaluation. */
    static final long CLOCK_JUMP_THRESHOLD_MILLIS = 2_000;
    /** Tokens expiring further away are refused: no real token server issues them (wrong clock or units). */
    static final Duration MAX_LIFETIME = Duration.ofDays(400);
    /** Longest error text kept in a status or log line. */
    static final int MAX_ERROR_CHARS = 400;

    private final TokenSource source;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final Executor fetchExecutor;
    private final DoubleSupplier random;
    private final ConcurrentHashMap<TokenScope, ScopeEntry> entries = new ConcurrentHashMap<>();
    private final List<TokenListener> listeners = new CopyOnWriteArrayList<>();
    private volatile RenewalPolicy policy;
    private volatile boolean closed;
    private TaskScheduler.Cancellable clockCheck;
    private long lastCheckWall;
    private long lastCheckMonotonic;

    public RenewingTokenCache(TokenSource source, RenewalPolicy policy, Clock clock, TaskScheduler scheduler,
            Executor fetchExecutor, DoubleSupplier random) {
        this.source = source;
        this.policy = policy;
        this.clock = clock;
        this.scheduler = scheduler;
        this.fetchExecutor = fetchExecutor;
        this.random = random;
        synchronized (this) {
            this.lastCheckWall = clock.wallMillis();
            this.lastCheckMonotonic = clock.monotonicNanos();
            this.clockCheck = scheduler.schedule(this::checkClock, CLOCK_CHECK_INTERVAL_MILLIS);
        }
    }

    /** New settings apply from each scope's next scheduling decision; nothing is dropped. */
    public void updatePolicy(RenewalPolicy newPolicy) {
        this.policy = newPolicy;
    }

    @Override
    public ManagedToken track(TokenScope scope) {
        if (this.closed) {
            throw new IllegalStateException("token cache is closed");
        }
        while (true) {
            ScopeEntry entry = this.entries.computeIfAbsent(scope, ScopeEntry::new);
            boolean first;
            synchronized (entry) {
                if (entry.closed) {
                    continue; // lost a race with the last close(); make a new entry
                }
                first = entry.handles++ == 0;
            }
            if (first) {
                LOG.info("Managing the token for {}", scope);
                startFetch(entry);
            }
            return new Handle(entry);
        }
    }

    @Override
    public boolean invalidate(TokenScope scope, String reason) {
        ScopeEntry entry = this.entries.get(scope);
        if (entry == null) {
            return false;
        }
        long now = this.clock.monotonicNanos();
        long ignoredBefore;
        RenewalPolicy current = this.policy;
        synchronized (entry) {
            long minIntervalNanos = current.invalidateMinInterval().toNanos();
            if (entry.lastInvalidateMonotonic != Long.MIN_VALUE
                    && now - entry.lastInvalidateMonotonic < minIntervalNanos) {
                // One line per window, not one per call: a flapping connection may call this thousands of times.
                if (++entry.ignoredInvalidations == 1) {
                    LOG.debug("Ignoring further invalidations of {} for up to {} s (rate limit)", scope,
                            current.invalidateMinInterval().getSeconds());
                }
                return false;
            }
            ignoredBefore = entry.ignoredInvalidations;
            entry.ignoredInvalidations = 0;
            entry.lastInvalidateMonotonic = now;
        }
        LOG.info("Token for {} invalidated ({}); fetching a new one{}", scope, Redactor.excerpt(reason),
                ignoredBefore > 0 ? "; " + ignoredBefore + " invalidations were ignored by the rate limit before"
                        : "");
        startFetch(entry);
        return true;
    }

    /**
     * Caller holds the entry's lock. How long the floor still holds a planned renewal back. Forced renewals have
     * their own rate limit, and retries after failures their backoff.
     */
    private static long floorWaitMillis(ScopeEntry entry, long nowMonotonic, RenewalPolicy current) {
        if (entry.lastFetchStartMonotonic == Long.MIN_VALUE) {
            return 0;
        }
        long sinceLastNanos = nowMonotonic - entry.lastFetchStartMonotonic;
        return Math.max(0, (current.fetchMinInterval().toNanos() - sinceLastNanos + 999_999) / 1_000_000);
    }

    @Override
    public Optional<TokenStatus> status(TokenScope scope) {
        ScopeEntry entry = this.entries.get(scope);
        return entry == null ? Optional.empty() : Optional.of(entry.snapshot(this.clock.wallMillis()));
    }

    @Override
    public List<TokenStatus> statuses() {
        long now = this.clock.wallMillis();
        List<TokenStatus> result = new ArrayList<>(this.entries.size());
        for (ScopeEntry entry : this.entries.values()) {
            result.add(entry.snapshot(now));
        }
        return result;
    }

    @Override
    public void addListener(TokenListener listener) {
        this.listeners.add(listener);
    }

    @Override
    public void removeListener(TokenListener listener) {
        this.listeners.remove(listener);
    }

    @Override
    public void close() {
        this.closed = true;
        synchronized (this) {
            if (this.clockCheck != null) {
                this.clockCheck.cancel();
            }
        }
        for (ScopeEntry entry : this.entries.values()) {
            synchronized (entry) {
                entry.closed = true;
                cancelScheduled(entry);
                entry.notifyAll();
            }
        }
        this.entries.clear();
    }

    /** Starts a fetch unless one is already in flight for this scope. */
    private void startFetch(ScopeEntry entry) {
        TokenEvent stateChange;
        synchronized (entry) {
            if (entry.closed || entry.fetchInFlight || this.closed) {
                return;
            }
            entry.fetchInFlight = true;
            entry.lastFetchStartMonotonic = this.clock.monotonicNanos();
            cancelScheduled(entry);
            stateChange = entry.token != null && entry.state == TokenState.VALID
                    ? transition(entry, TokenState.RENEWING)
                    : null;
        }
        publish(stateChange);
        try {
            this.fetchExecutor.execute(() -> fetch(entry));
        } catch (RejectedExecutionException e) {
            synchronized (entry) {
                entry.fetchInFlight = false;
            }
            LOG.debug("Fetch for {} not started: the cache is shutting down", entry.scope);
        }
    }

    private void fetch(ScopeEntry entry) {
        synchronized (entry) {
            entry.stsCalls++;
        }
        SasToken token;
        try {
            token = this.source.fetch(entry.scope);
        } catch (TokenFetchException e) {
            onFailure(entry, e);
            return;
        } catch (Throwable e) { // NOPMD: any throwable, Errors included, must end the fetch and plan a retry
            // Only the type: a foreign source's message may carry anything, its secret included.
            onFailure(entry, new TokenFetchException(FetchFailure.INTERNAL,
                    "the token source failed with " + e.getClass().getName()));
            return;
        }
        TokenFetchException refusal = refusal(entry.scope, token);
        if (refusal != null) {
            onFailure(entry, refusal);
            return;
        }
        try {
            onSuccess(entry, token);
        } catch (RuntimeException | LinkageError e) {
            onFailure(entry, new TokenFetchException(FetchFailure.INTERNAL,
                    "storing the token failed with " + e.getClass().getName()));
        }
    }

    /**
     * The source is supposed to validate; a source that does not must still not make the cache serve a token for
     * another identity, or plan renewals from a dead or absurd expiry.
     */
    private TokenFetchException refusal(TokenScope scope, SasToken token) {
        if (token == null) {
            return new TokenFetchException(FetchFailure.INTERNAL, "the token source returned no token");
        }
        if (!scope.matchesAudience(token.resource())) {
            return new TokenFetchException(FetchFailure.WRONG_AUDIENCE, "the token source returned a token for '"
                    + Redactor.excerpt(token.resource()) + "'");
        }
        long lifetime = token.expiresAt().toEpochMilli() - this.clock.wallMillis();
        if (lifetime > MAX_LIFETIME.toMillis()) {
            return new TokenFetchException(FetchFailure.LIFETIME_TOO_LONG, "the token source returned a token "
                    + "expiring at " + token.expiresAt() + ", more than " + MAX_LIFETIME.toDays() + " days away");
        }
        return null;
    }

    private void onSuccess(ScopeEntry entry, SasToken token) {
        long wallNow = this.clock.wallMillis();
        long lifetime = token.expiresAt().toEpochMilli() - wallNow;
        if (lifetime <= 0) {
            // Never schedule from a dead token: a zero delay would be a tight loop against the token server.
            onFailure(entry, new TokenFetchException(FetchFailure.EXPIRED, "token is already expired"));
            return;
        }
        List<TokenEvent> events = new ArrayList<>(2);
        synchronized (entry) {
            entry.fetchInFlight = false;
            if (entry.closed) {
                return;
            }
            RenewalPolicy current = this.policy;
            long delay = Math.max(current.renewalDelayMillis(lifetime, this.random.getAsDouble()),
                    floorWaitMillis(entry, this.clock.monotonicNanos(), current));
            entry.token = token;
            entry.published = token.toCharArray();
            entry.lastRenewedWallMillis = wallNow;
            entry.consecutiveFailures = 0;
            entry.renewalMarginMillis = lifetime - delay;
            scheduleFetch(entry, delay, wallNow);
            TokenEvent stateChange = transition(entry, TokenState.VALID);
            events.add(new TokenEvent(TokenEvent.Type.RENEWED, entry.snapshot(wallNow),
                    stateChange == null ? TokenState.VALID : stateChange.previousState()));
            if (stateChange != null) {
                events.add(stateChange);
            }
            entry.notifyAll();
        }
        LOG.debug("Token for {} renewed, expires {}", entry.scope, token.expiresAt());
        events.forEach(this::publish);
    }

    private void onFailure(ScopeEntry entry, TokenFetchException error) {
        long wallNow = this.clock.wallMillis();
        List<TokenEvent> events = new ArrayList<>(2);
        String message = Redactor.excerpt(error.getMessage(), MAX_ERROR_CHARS);
        boolean firstFailure;
        synchronized (entry) {
            entry.fetchInFlight = false;
            if (entry.closed) {
                return;
            }
            entry.failures++;
            entry.consecutiveFailures++;
            firstFailure = entry.consecutiveFailures == 1;
            entry.lastError = message;
            Duration delay = this.policy.backoff().delay(entry.consecutiveFailures - 1,
                    error.retryAfter().orElse(null));
            scheduleFetch(entry, delay.toMillis(), wallNow);
            TokenState next = entry.token == null ? TokenState.PENDING
                    : entry.token.expiresAt().toEpochMilli() <= wallNow ? TokenState.EXPIRED : TokenState.FAILING;
            TokenEvent stateChange = transition(entry, next);
            events.add(new TokenEvent(TokenEvent.Type.FETCH_FAILED, entry.snapshot(wallNow), entry.state));
            if (stateChange != null) {
                events.add(stateChange);
            }
        }
        if (firstFailure || events.size() > 1) {
            LOG.warn("Token fetch for {} failed: {}; retrying with backoff", entry.scope, message);
        } else {
            LOG.debug("Token fetch for {} failed again: {}", entry.scope, message);
        }
        events.forEach(this::publish);
    }

    /** Caller holds the entry's lock. */
    private void scheduleFetch(ScopeEntry entry, long delayMillis, long wallNow) {
        cancelScheduled(entry);
        entry.nextFetchWallMillis = wallNow + delayMillis;
        entry.scheduled = this.scheduler.schedule(() -> startFetch(entry), delayMillis);
    }

    private static void cancelScheduled(ScopeEntry entry) {
        if (entry.scheduled != null) {
            entry.scheduled.cancel();
            entry.scheduled = null;
        }
        entry.nextFetchWallMillis = -1;
    }

    /** Caller holds the entry's lock. Returns the event to publish once the lock is released, if any. */
    private TokenEvent transition(ScopeEntry entry, TokenState next) {
        TokenState previous = entry.state;
        if (previous == next) {
            return null;
        }
        entry.state = next;
        if (next == TokenState.EXPIRED || previous == TokenState.EXPIRED || previous == TokenState.FAILING
                && next == TokenState.VALID) {
            LOG.info("Token for {}: {} -> {}", entry.scope, previous, next);
        }
        return new TokenEvent(TokenEvent.Type.STATE_CHANGED, entry.snapshot(this.clock.wallMillis()), previous);
    }

    private void publish(TokenEvent event) {
        if (event == null) {
            return;
        }
        for (TokenListener listener : this.listeners) {
            try {
                listener.onTokenEvent(event);
            } catch (Throwable e) { // NOPMD: a listener's failure, of any kind, must not stop renewals
                // The type only: a listener's message is foreign text that may carry anything.
                LOG.warn("Token listener {} failed on {} with {}", listener.getClass().getName(), event.type(),
                        e.getClass().getName());
            }
        }
    }

    /**
     * Timers run on the monotonic clock, but {@code se} is wall time: if the wall clock steps (NTP, resume from
     * sleep), every renewal is re-planned to keep the same margin before expiry, by the new wall clock.
     */
    private void checkClock() {
        if (this.closed) {
            return;
        }
        long wall = this.clock.wallMillis();
        long mono = this.clock.monotonicNanos();
        long drift;
        synchronized (this) {
            drift = (wall - this.lastCheckWall) - (mono - this.lastCheckMonotonic) / 1_000_000;
            this.lastCheckWall = wall;
            this.lastCheckMonotonic = mono;
            this.clockCheck = this.scheduler.schedule(this::checkClock, CLOCK_CHECK_INTERVAL_MILLIS);
        }
        if (Math.abs(drift) > CLOCK_JUMP_THRESHOLD_MILLIS) {
            LOG.warn("Wall clock stepped by {} ms; re-planning token renewals", drift);
            replanAll(wall);
        }
    }

    void replanAll(long wallNow) {
        for (ScopeEntry entry : this.entries.values()) {
            boolean fetchNow = false;
            synchronized (entry) {
                if (entry.closed || entry.fetchInFlight || entry.token == null || entry.consecutiveFailures > 0) {
                    continue;
                }
                long remaining = entry.token.expiresAt().toEpochMilli() - wallNow;
                long delay = Math.max(remaining - entry.renewalMarginMillis,
                        floorWaitMillis(entry, this.clock.monotonicNanos(), this.policy));
                if (delay <= 0) {
                    fetchNow = true;
                } else {
                    scheduleFetch(entry, delay, wallNow);
                }
            }
            if (fetchNow) {
                startFetch(entry);
            }
        }
    }

    private void release(ScopeEntry entry) {
        synchronized (entry) {
            if (entry.closed || --entry.handles > 0) {
                return;
            }
            entry.closed = true;
            cancelScheduled(entry);
            entry.notifyAll();
        }
        this.entries.remove(entry.scope, entry);
        LOG.info("No longer managing the token for {}", entry.scope);
    }

    /** A caller's handle; the read path is lock-free. */
    private final class Handle implements ManagedToken {

        private final ScopeEntry entry;
        private final char[] placeholder;
        private volatile boolean released;

        Handle(ScopeEntry entry) {
            this.entry = entry;
            // Well formed (so the SDK's parser accepts it) and long expired (so the hub refuses it and the SDK
            // backs off): the answer before the first token exists, instead of null or an exception.
            this.placeholder = (SasFormat.PREFIX + "sr=" + entry.scope.encodedAudience()
                    + "&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D&se=1").toCharArray();
        }

        @Override
        public TokenScope scope() {
            return this.entry.scope;
        }

        @Override
        public char[] sasToken() {
            char[] published = this.entry.published;
            return published == null ? this.placeholder.clone() : published.clone();
        }

        @Override
        public Optional<SasToken> current() {
            synchronized (this.entry) {
                return Optional.ofNullable(this.entry.token);
            }
        }

        @Override
        public boolean awaitValid(Duration timeout) throws InterruptedException {
            // A real wait by a real thread: measured on the JVM's clock, not the (possibly virtual) cache clock.
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (this.entry) {
                while (true) {
                    SasToken token = this.entry.token;
                    if (token != null && !token.isExpired(
                            java.time.Instant.ofEpochMilli(RenewingTokenCache.this.clock.wallMillis()))) {
                        return true;
                    }
                    long remainingNanos = deadline - System.nanoTime();
                    if (remainingNanos <= 0 || this.entry.closed) {
                        return false;
                    }
                    long millis = Math.max(1, remainingNanos / 1_000_000);
                    this.entry.wait(millis);
                }
            }
        }

        @Override
        public TokenStatus status() {
            return this.entry.snapshot(RenewingTokenCache.this.clock.wallMillis());
        }

        @Override
        public void close() {
            if (!this.released) {
                this.released = true;
                release(this.entry);
            }
        }
    }
}
