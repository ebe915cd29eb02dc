package io.azurekura.connector.api.sts;

import java.util.Optional;

import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;

/**
 * Issues SAS tokens for a scope. Implementations block on the network; callers are the token cache's fetch
 * threads, never SDK threads. Every returned token has been validated for that scope.
 */
public interface TokenSource {

    SasToken fetch(TokenScope scope) throws TokenFetchException;

    /** A human-readable description of what is wrong with the configuration, if anything. */
    default Optional<String> configurationProblem() {
        return Optional.empty();
    }
}
