package io.azurekura.connector.api.cache;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of renewals, failures and state changes. Called on the cache's own threads: return quickly and never block
 * (hand work to your own executor).
 */
@ConsumerType
@FunctionalInterface
public interface TokenListener {

    void onTokenEvent(TokenEvent event);
}
