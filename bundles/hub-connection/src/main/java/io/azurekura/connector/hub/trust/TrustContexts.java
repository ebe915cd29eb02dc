package io.azurekura.connector.hub.trust;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS contexts that trust a given set of CAs. TLS 1.2, as the SDK's own default context ({@code IotHubSSLContext});
 * host name verification stays on (Paho enables it), so the hub certificate must name the host.
 */
public final class TrustContexts {

    static final String PROTOCOL = "TLSv1.2";

    private TrustContexts() {
    }

    /**
     * Trusts the certificates of a key store, e.g. Kura's {@code TruststoreKeystoreService.getKeyStore()}; Kura's
     * KeystoreService has no TrustManager API, so the factory is built here as Kura's own SslManagerService does.
     */
    public static SSLContext fromKeyStore(KeyStore trusted) throws TrustUnavailableException {
        try {
            if (trusted == null || trusted.size() == 0) {
                throw new TrustUnavailableException("the trust store holds no certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new TrustUnavailableException("the trust store cannot be used: " + e.getMessage(), e);
        }
    }

    /** Trusts the CA certificates in a PEM file (one or more {@code BEGIN CERTIFICATE} blocks). */
    public static SSLContext fromPemFile(Path pemFile) throws TrustUnavailableException {
        KeyStore store;
        try (InputStream in = Files.newInputStream(pemFile)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(in);
            store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new TrustUnavailableException("cannot read CA certificates from " + pemFile + ": " + e.getMessage(),
                    e);
        }
        return fromKeyStore(store);
    }
}
