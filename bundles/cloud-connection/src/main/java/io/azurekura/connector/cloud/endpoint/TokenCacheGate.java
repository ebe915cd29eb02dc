package io.azurekura.connector.cloud.endpoint;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenListener;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.token.TokenScope;

/**
 * The stack's hub connection takes its tokens through this pass-through to the real token cache. The endpoint
 * registers it only while the connection is to be connected: the hub connection manager needs a token cache, so it
 * opens its connection when the gate appears and closes it when the gate goes (the HubConnection API has no
 * connect/disconnect of its own). Every call goes to the endpoint's current token cache.
 */
final class TokenCacheGate implements SasTokenCache {

    private final Supplier<SasTokenCache> target;

    TokenCacheGate(Supplier<SasTokenCache> target) {
        this.target = target;
    }

    private SasTokenCache cache() {
        SasTokenCache cache = this.target.get();
        if (cache == null) {
            throw new IllegalStateException("the cloud connection has no token cache");
        }
        return cache;
    }

    @Override
    public ManagedToken track(TokenScope scope) {
        return cache().track(scope);
    }

    @Override
    public boolean invalidate(TokenScope scope, String reason) {
        return cache().invalidate(scope, reason);
    }

    @Override
    public Optional<TokenStatus> status(TokenScope scope) {
        return cache().status(scope);
    }

    @Override
    public List<TokenStatus> statuses() {
        return cache().statuses();
    }

    @Override
    public void addListener(TokenListener listener) {
        cache().addListener(listener);
    }

    @Override
    public void removeListener(TokenListener listener) {
        SasTokenCache cache = this.target.get();
        if (cache != null) {
            cache.removeListener(listener);
        }
    }
}
