package io.azurekura.connector.api.cache;

import java.time.Duration;
import java.util.Optional;

import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;

/**
 * A caller's handle on the token of one scope. The cache keeps the token fresh while at least one handle is open.
 * Safe to use from any thread, including the Azure SDK's reactor and reconnect threads.
 */
public interface ManagedToken extends AutoCloseable {

    TokenScope scope();

    /**
     * The current token text as a fresh array the caller owns. Never null, never throws, never blocks: before the
     * first token arrives it returns a well-formed, already-expired placeholder, which IoT Hub refuses and the SDK
     * backs off from. Made for {@code SasTokenProvider.getSasToken()}.
     */
    char[] sasToken();

    /** The current token, if one has been fetched (it may have expired). */
    Optional<SasToken> current();

    /** Waits up to {@code timeout} for a token that is not expired. */
    boolean awaitValid(Duration timeout) throws InterruptedException;

    TokenStatus status();

    /** Releases this handle; the scope is dropped when its last handle closes. */
    @Override
    void close();
}
