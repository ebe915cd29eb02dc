package io.azurekura.connector.common.kura;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.security.keystore.KeystoreService;

/**
 * TLS contexts from Kura keystores. Kura 5.3-5.5's KeystoreService has no TrustManager API (docs/kura-conventions.md
 * "Keystores"), so trust
 * is built from its KeyStore; key managers come from {@code getKeyManagers(defaultAlgorithm)} (all aliases).
 */
public final class KeystoreTls {

    private KeystoreTls() {
    }

    /**
     * @param trust trusted CAs, or null for the JVM's default trust store
     * @param clientKeys client certificate source, or null for none
     */
    public static SSLContext sslContext(KeystoreService trust, KeystoreService clientKeys)
            throws GeneralSecurityException, KuraException {
        KeyManager[] keyManagers = clientKeys == null ? null
                : clientKeys.getKeyManagers(KeyManagerFactory.getDefaultAlgorithm()).toArray(new KeyManager[0]);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust == null ? (KeyStore) null : trust.getKeyStore());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
        return context;
    }
}
