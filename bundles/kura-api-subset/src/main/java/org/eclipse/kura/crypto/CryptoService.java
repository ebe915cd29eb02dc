package org.eclipse.kura.crypto;

import org.eclipse.kura.KuraException;
import org.osgi.annotation.versioning.ProviderType;

/** Signature-compatible declaration of Kura's CryptoService (Kura 5.3 to 5.5). */
@ProviderType
public interface CryptoService {

    char[] encryptAes(char[] value) throws KuraException;

    char[] decryptAes(char[] encryptedValue) throws KuraException;

    @Deprecated
    String encryptAes(String value) throws KuraException;

    @Deprecated
    String decryptAes(String encryptedValue) throws KuraException;

    String sha1Hash(String s) throws KuraException;

    String encodeBase64(String stringValue) throws KuraException;

    String decodeBase64(String encodedValue) throws KuraException;

    char[] getKeyStorePassword(String keyStorePath);

    void setKeyStorePassword(String keyStorePath, char[] password) throws KuraException;

    boolean isFrameworkSecure();
}
