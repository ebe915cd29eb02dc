package io.azurekura.connector.api.sts;

import java.util.List;
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

    /**
     * Every problem found in the configuration, for a status page: the one that makes the source unusable
     * ({@link #configurationProblem()}) first, then values that were replaced by their defaults. Texts never quote
     * a secret; quoted values are escaped and bounded.
     *
     * @since 1.1
     */
    default List<String> configurationProblems() {
        return configurationProblem().map(List::of).orElse(List.of());
    }
}
