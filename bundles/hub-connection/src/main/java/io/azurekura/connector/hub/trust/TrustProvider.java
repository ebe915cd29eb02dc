package io.azurekura.connector.hub.trust;

import javax.net.ssl.SSLContext;

/**
 * Supplies the TLS context for each new client, so a changed trust store takes effect at the next (re)connect.
 */
@FunctionalInterface
public interface TrustProvider {

    /** The JVM's own trust store (the SDK's default, IoT Hub's public CAs included). */
    TrustProvider SYSTEM = () -> null;

    /**
     * @return the context to use, or null for the JVM's default trust
     * @throws TrustUnavailableException when the configured trust source cannot be used right now
     */
    SSLContext sslContext() throws TrustUnavailableException;
}
