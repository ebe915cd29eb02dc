package org.eclipse.kura.security.keystore;

import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CRL;
import java.security.cert.CertStore;
import java.security.cert.X509CRL;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import javax.net.ssl.KeyManager;
import javax.security.auth.x500.X500Principal;

import org.eclipse.kura.KuraException;
import org.osgi.annotation.versioning.ProviderType;

/** Signature-compatible declaration of Kura's KeystoreService as of Kura 5.3 to 5.5 (no TrustManager API). */
@ProviderType
public interface KeystoreService {

    KeyStore getKeyStore() throws KuraException;

    KeyStore.Entry getEntry(String alias) throws KuraException;

    Map<String, KeyStore.Entry> getEntries() throws KuraException;

    void setEntry(String alias, KeyStore.Entry entry) throws KuraException;

    void deleteEntry(String alias) throws KuraException;

    List<KeyManager> getKeyManagers(String algorithm) throws KuraException;

    void createKeyPair(String alias, String algorithm, int keySize, String signatureAlgorithm, String attributes)
            throws KuraException;

    void createKeyPair(String alias, String algorithm, int keySize, String signatureAlgorithm, String attributes,
            SecureRandom secureRandom) throws KuraException;

    void createKeyPair(String alias, String algorithm, AlgorithmParameterSpec algorithmParameter,
            String signatureAlgorithm, String attributes) throws KuraException;

    void createKeyPair(String alias, String algorithm, AlgorithmParameterSpec algorithmParameter,
            String signatureAlgorithm, String attributes, SecureRandom secureRandom) throws KuraException;

    String getCSR(KeyPair keyPair, X500Principal principal, String signerAlg) throws KuraException;

    String getCSR(String alias, X500Principal principal, String signerAlg) throws KuraException;

    List<String> getAliases() throws KuraException;

    Collection<CRL> getCRLs() throws KuraException;

    CertStore getCRLStore() throws KuraException;

    void addCRL(X509CRL crl) throws KuraException;
}
