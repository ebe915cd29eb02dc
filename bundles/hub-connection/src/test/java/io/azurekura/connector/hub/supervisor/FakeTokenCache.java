package io.azurekura.connector.hub.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenEvent;
import io.azurekura.connector.api.cache.TokenListener;
import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.SasTokenFormatException;
import io.azurekura.connector.api.token.TokenScope;

/** A cache the test drives by hand: tokens appear when {@link #issue} is called. */
final class FakeTokenCache implements SasTokenCache {

    private final Map<TokenScope, Handle> handles = new ConcurrentHashMap<>();
    private final List<TokenListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong serial = new AtomicLong();
    final AtomicInteger invalidations = new AtomicInteger();
    final List<String> invalidationReasons = new CopyOnWriteArrayList<>();
    final AtomicInteger tokenReads = new AtomicInteger();
    /** When set, every invalidation issues a new token of this lifetime at once. */
    volatile Duration reissueOnInvalidate;

    /** Issues a new token for the scope (tracked or not) and tells listeners. */
    SasToken issue(TokenScope scope, Duration lifetime) {
        Handle handle = this.handles.computeIfAbsent(scope, Handle::new);
        // Two tokens issued within one second still differ, as a token server's do when asked at different times.
        long se;
        synchronized (handle) {
            se = Instant.now().plus(lifetime).getEpochSecond();
            se = se == handle.lastExpiry ? se + 1 : se;
            handle.lastExpiry = se;
        }
        // A unique signature per token, so tests can tell tokens apart.
        byte[] signature = new byte[32];
        java.nio.ByteBuffer.wrap(signature).putLong(this.serial.incrementAndGet());
        String sig = java.net.URLEncoder.encode(java.util.Base64.getEncoder().encodeToString(signature),
                java.nio.charset.StandardCharsets.UTF_8);
        String text = "SharedAccessSignature sr=" + scope.resourceUri() + "&sig=" + sig + "&se=" + se;
        SasToken token;
        try {
            token = SasToken.parse(text);
        } catch (SasTokenFormatException e) {
            throw new IllegalStateException(e);
        }
        synchronized (handle) {
            handle.token = token;
            handle.notifyAll();
        }
        TokenEvent event = new TokenEvent(TokenEvent.Type.RENEWED, handle.status(), TokenState.VALID);
        this.listeners.forEach(l -> l.onTokenEvent(event));
        return token;
    }

    Optional<SasToken> current(TokenScope scope) {
        Handle handle = this.handles.get(scope);
        return handle == null ? Optional.empty() : Optional.ofNullable(handle.token);
    }

    int openHandles(TokenScope scope) {
        Handle handle = this.handles.get(scope);
        return handle == null ? 0 : handle.open.get();
    }

    int listenerCount() {
        return this.listeners.size();
    }

    @Override
    public ManagedToken track(TokenScope scope) {
        Handle handle = this.handles.computeIfAbsent(scope, Handle::new);
        handle.open.incrementAndGet();
        return new ManagedToken() {
            private boolean closed;

            @Override
            public TokenScope scope() {
                return scope;
            }

            @Override
            public char[] sasToken() {
                FakeTokenCache.this.tokenReads.incrementAndGet();
                SasToken token = handle.token;
                return token == null ? ("SharedAccessSignature sr=" + scope.resourceUri() + "&sig=x&se=1").toCharArray()
                        : token.toCharArray();
            }

            @Override
            public Optional<SasToken> current() {
                return Optional.ofNullable(handle.token);
            }

            @Override
            public boolean awaitValid(Duration timeout) throws InterruptedException {
                long deadline = System.nanoTime() + timeout.toNanos();
                synchronized (handle) {
                    while (handle.token == null || handle.token.isExpired(Instant.now())) {
                        long left = (deadline - System.nanoTime()) / 1_000_000;
                        if (left <= 0) {
                            return false;
                        }
                        handle.wait(left);
                    }
                    return true;
                }
            }

            @Override
            public TokenStatus status() {
                return handle.status();
            }

            @Override
            public synchronized void close() {
                if (!this.closed) {
                    this.closed = true;
                    handle.open.decrementAndGet();
                }
            }
        };
    }

    @Override
    public boolean invalidate(TokenScope scope, String reason) {
        this.invalidations.incrementAndGet();
        this.invalidationReasons.add(reason);
        Duration lifetime = this.reissueOnInvalidate;
        if (lifetime != null) {
            issue(scope, lifetime);
        }
        return true;
    }

    @Override
    public Optional<TokenStatus> status(TokenScope scope) {
        Handle handle = this.handles.get(scope);
        return handle == null ? Optional.empty() : Optional.of(handle.status());
    }

    @Override
    public List<TokenStatus> statuses() {
        return this.handles.values().stream().map(Handle::status).toList();
    }

    @Override
    public void addListener(TokenListener listener) {
        this.listeners.add(listener);
    }

    @Override
    public void removeListener(TokenListener listener) {
        this.listeners.remove(listener);
    }

    private static final class Handle {
        final TokenScope scope;
        final AtomicInteger open = new AtomicInteger();
        volatile SasToken token;
        long lastExpiry;

        Handle(TokenScope scope) {
            this.scope = scope;
        }

        TokenStatus status() {
            SasToken t = this.token;
            return new TokenStatus(this.scope, t == null ? TokenState.PENDING : TokenState.VALID,
                    t == null ? null : t.expiresAt(), null, null, 0, 0, 0, t == null ? "STS_DOWN: test" : null);
        }
    }
}
