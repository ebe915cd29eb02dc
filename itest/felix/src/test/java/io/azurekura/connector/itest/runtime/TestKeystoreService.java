package io.azurekura.connector.itest.runtime;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CRL;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.X509CRL;
import java.security.spec.AlgorithmParameterSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.security.auth.x500.X500Principal;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.security.keystore.KeystoreService;

/**
 * A Kura KeystoreService over an in-memory {@link KeyStore}, standing in for an instance of Kura's
 * {@code FilesystemKeystoreServiceImpl} (such as {@code SSLKeystore}). Key generation and CSRs are not needed by the
 * connector and are refused.
 */
public final class TestKeystoreService implements KeystoreService {

    /** The factory PID of Kura's file-backed keystores; instances carry it as service.factoryPid. */
    public static final String KURA_KEYSTORE_FACTORY_PID = "org.eclipse.kura.core.keystore.FilesystemKeystoreServiceImpl";

    private final KeyStore keyStore;
    private final char[] password;
    private final List<CRL> crls = new CopyOnWriteArrayList<>();

    public TestKeystoreService(KeyStore keyStore, char[] password) {
        this.keyStore = keyStore;
        this.password = password.clone();
    }

    @Override
    public KeyStore getKeyStore() {
        return this.keyStore;
    }

    @Override
    public KeyStore.Entry getEntry(String alias) throws KuraException {
        try {
            KeyStore.ProtectionParameter protection = this.keyStore.isKeyEntry(alias)
                    ? new KeyStore.PasswordProtection(this.password)
                    : null;
            return this.keyStore.getEntry(alias, protection);
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "cannot read entry " + alias);
        }
    }

    @Override
    public Map<String, KeyStore.Entry> getEntries() throws KuraException {
        Map<String, KeyStore.Entry> entries = new LinkedHashMap<>();
        for (String alias : getAliases()) {
            entries.put(alias, getEntry(alias));
        }
        return entries;
    }

    @Override
    public void setEntry(String alias, KeyStore.Entry entry) throws KuraException {
        try {
            KeyStore.ProtectionParameter protection = entry instanceof KeyStore.TrustedCertificateEntry ? null
                    : new KeyStore.PasswordProtection(this.password);
            this.keyStore.setEntry(alias, entry, protection);
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "cannot store entry " + alias);
        }
    }

    @Override
    public void deleteEntry(String alias) throws KuraException {
        try {
            this.keyStore.deleteEntry(alias);
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "cannot delete entry " + alias);
        }
    }

    @Override
    public List<KeyManager> getKeyManagers(String algorithm) throws KuraException {
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(algorithm);
            factory.init(this.keyStore, this.password);
            return List.of(factory.getKeyManagers());
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "cannot build key managers");
        }
    }

    @Override
    public void createKeyPair(String alias, String algorithm, int keySize, String signatureAlgorithm,
            String attributes) throws KuraException {
        throw unsupported();
    }

    @Override
    public void createKeyPair(String alias, String algorithm, int keySize, String signatureAlgorithm,
            String attributes, SecureRandom secureRandom) throws KuraException {
        throw unsupported();
    }

    @Override
    public void createKeyPair(String alias, String algorithm, AlgorithmParameterSpec algorithmParameter,
            String signatureAlgorithm, String attributes) throws KuraException {
        throw unsupported();
    }

    @Override
    public void createKeyPair(String alias, String algorithm, AlgorithmParameterSpec algorithmParameter,
            String signatureAlgorithm, String attributes, SecureRandom secureRandom) throws KuraException {
        throw unsupported();
    }

    @Override
    public String getCSR(KeyPair keyPair, X500Principal principal, String signerAlg) throws KuraException {
        throw unsupported();
    }

    @Override
    public String getCSR(String alias, X500Principal principal, String signerAlg) throws KuraException {
        throw unsupported();
    }

    @Override
    public List<String> getAliases() throws KuraException {
        try {
            return new ArrayList<>(Collections.list(this.keyStore.aliases()));
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "cannot list aliases");
        }
    }

    @Override
    public Collection<CRL> getCRLs() {
        return List.copyOf(this.crls);
    }

    @Override
    public CertStore getCRLStore() throws KuraException {
        try {
            return CertStore.getInstance("Collection", new CollectionCertStoreParameters(getCRLs()));
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "cannot build the CRL store");
        }
    }

    @Override
    public void addCRL(X509CRL crl) {
        this.crls.add(crl);
    }

    private static KuraException unsupported() {
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, "not supported by the test keystore");
    }
}
