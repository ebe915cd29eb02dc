package io.azurekura.connector.api.cache;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import io.azurekura.connector.api.token.TokenScope;

/**
 * Serves SAS tokens from memory and renews them before expiry, one token server request per scope at a time.
 */
@ProviderType
public interface SasTokenCache {

    /** Starts (or joins) managing the token for {@code scope}; the first fetch starts in the background. */
    ManagedToken track(TokenScope scope);

    /**
     * Asks for a new token now because the current one was refused (e.g. {@code BAD_CREDENTIAL}). Rate-limited per
     * scope so a flapping connection cannot storm the token server.
     *
     * @return true if a renewal was started, false if it was refused by the rate limit or the scope is not tracked
     */
    boolean invalidate(TokenScope scope, String reason);

    Optional<TokenStatus> status(TokenScope scope);

    List<TokenStatus> statuses();

    void addListener(TokenListener listener);

    void removeListener(TokenListener listener);

    /**
     * Configuration values the cache could not use and replaced by defaults (Kura checks values only in its web
     * UI; REST, snapshots and cloud requests are unchecked). Empty when the configuration is fine. Quoted values
     * are escaped and bounded.
     *
     * @since 1.1
     */
    default List<String> configurationProblems() {
        return List.of();
    }
}
