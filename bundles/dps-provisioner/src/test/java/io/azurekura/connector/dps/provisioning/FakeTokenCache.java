package io.azurekura.connector.dps.provisioning;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenEvent;
import io.azurekura.connector.api.cache.TokenListener;
import io.azurekura.connector.api.cache.TokenState;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.SasTokenFormatException;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Stands in for the token cache and the token server behind it: signs DPS registration tokens with the test
 * enrollment key (audience encoded, {@code skn=registration}, as DPS documents). Keys can be queued so the first
 * token is wrong and a renewal fixes it. Records every token issued so log tests can look for them.
 */
public final class FakeTokenCache implements SasTokenCache {

    private final Supplier<Instant> clock;
    private final Deque<String> keys = new ArrayDeque<>();
    private final List<TokenListener> listeners = new CopyOnWriteArrayList<>();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private final AtomicInteger tracks = new AtomicInteger();
    private final AtomicInteger openHandles = new AtomicInteger();
    private final AtomicInteger invalidations = new AtomicInteger();
    private final Map<TokenScope, String> current = new ConcurrentHashMap<>();
    private volatile boolean unavailable;
    private volatile boolean groupKeys;

    /** @param keys the key for the first token, then one per renewal (the last one repeats) */
    public FakeTokenCache(Supplier<Instant> clock, String... keys) {
        this.clock = clock;
        this.keys.addAll(List.of(keys));
    }

    /** The keys are group enrollment keys: each token is signed with the device key derived for its registration. */
    public FakeTokenCache derivingDeviceKeys() {
        this.groupKeys = true;
        return this;
    }

    /** The token server is down: no token ever becomes valid. */
    public void makeUnavailable() {
        this.unavailable = true;
    }

    public int tracks() {
        return this.tracks.get();
    }

    public int openHandles() {
        return this.openHandles.get();
    }

    public int invalidations() {
        return this.invalidations.get();
    }

    public List<String> issuedTokens() {
        return new ArrayList<>(this.issued);
    }

    private synchronized String sign(TokenScope scope) {
        String key = this.keys.size() > 1 ? this.keys.poll() : this.keys.peek();
        if (this.groupKeys) {
            key = SasSigner.deriveDeviceKey(key, scope.registrationId());
        }
        long se = this.clock.get().plus(Duration.ofHours(1)).getEpochSecond();
        // The signer takes the audience with its ids as they are (it encodes them); resourceUri() has them encoded.
        String token = SasSigner.sign(scope.idScope() + "/registrations/" + scope.registrationId(), key, se,
                "registration", SasSigner.ResourceForm.ENCODED_LOWER_CASE);
        this.issued.add(token);
        this.current.put(scope, token);
        return token;
    }

    @Override
    public ManagedToken track(TokenScope scope) {
        this.tracks.incrementAndGet();
        this.openHandles.incrementAndGet();
        if (!this.current.containsKey(scope) && !this.unavailable) {
            sign(scope);
        }
        return new ManagedToken() {
            private boolean closed;

            @Override
            public TokenScope scope() {
                return scope;
            }

            @Override
            public char[] sasToken() {
                String token = FakeTokenCache.this.current.get(scope);
                return token == null ? "SharedAccessSignature sr=x&sig=eA%3D%3D&se=1".toCharArray()
                        : token.toCharArray();
            }

            @Override
            public Optional<SasToken> current() {
                try {
                    String token = FakeTokenCache.this.current.get(scope);
                    return token == null ? Optional.empty() : Optional.of(SasToken.parse(token));
                } catch (SasTokenFormatException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public boolean awaitValid(Duration timeout) {
                return FakeTokenCache.this.current.containsKey(scope) && !FakeTokenCache.this.unavailable;
            }

            @Override
            public TokenStatus status() {
                return statusOf(scope);
            }

            @Override
            public synchronized void close() {
                if (!this.closed) {
                    this.closed = true;
                    FakeTokenCache.this.openHandles.decrementAndGet();
                }
            }
        };
    }

    private TokenStatus statusOf(TokenScope scope) {
        return new TokenStatus(scope, this.unavailable ? TokenState.PENDING : TokenState.VALID, null, null, null,
                this.issued.size(), 0, 0, this.unavailable ? "UNREACHABLE: token server down" : null);
    }

    @Override
    public boolean invalidate(TokenScope scope, String reason) {
        this.invalidations.incrementAndGet();
        sign(scope);
        TokenEvent event = new TokenEvent(TokenEvent.Type.RENEWED, statusOf(scope), TokenState.VALID);
        this.listeners.forEach(l -> l.onTokenEvent(event));
        return true;
    }

    @Override
    public Optional<TokenStatus> status(TokenScope scope) {
        return Optional.of(statusOf(scope));
    }

    @Override
    public List<TokenStatus> statuses() {
        return List.of();
    }

    @Override
    public void addListener(TokenListener listener) {
        this.listeners.add(listener);
    }

    @Override
    public void removeListener(TokenListener listener) {
        this.listeners.remove(listener);
    }
}
