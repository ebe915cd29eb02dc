package io.azurekura.connector.itest.runtime;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.crypto.CryptoService;

/**
 * Kura's CryptoService as the connector sees it: reversible AES with a fixed key, base64 text out. Like Kura's,
 * {@link #decryptAes(char[])} throws {@link KuraException} for text it did not encrypt (the connector then uses the
 * value as typed, as Kura's own MQTT transport does). AES-GCM, so that plain text never decrypts by accident.
 */
public final class TestCryptoService implements CryptoService {

    /** Kura registers its CryptoService under this kura.service.pid. */
    public static final String KURA_SERVICE_PID = "org.eclipse.kura.crypto.CryptoService";

    private static final byte[] TEST_KEY = "kura-itest-key!!".getBytes(StandardCharsets.US_ASCII);
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, char[]> keyStorePasswords = new ConcurrentHashMap<>();

    /** Convenience for tests: the ciphertext Kura would store for {@code plain}. */
    public String encrypt(String plain) {
        try {
            return new String(encryptAes(plain.toCharArray()));
        } catch (KuraException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public char[] encryptAes(char[] value) throws KuraException {
        try {
            byte[] iv = new byte[IV_BYTES];
            this.random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(TEST_KEY, "AES"), new GCMParameterSpec(TAG_BITS, iv));
            ByteBuffer plain = StandardCharsets.UTF_8.encode(CharBuffer.wrap(value));
            byte[] sealed = cipher.doFinal(toArray(plain));
            byte[] out = new byte[IV_BYTES + sealed.length];
            System.arraycopy(iv, 0, out, 0, IV_BYTES);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return Base64.getEncoder().encodeToString(out).toCharArray();
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "encryption failed");
        }
    }

    @Override
    public char[] decryptAes(char[] encryptedValue) throws KuraException {
        byte[] in;
        try {
            in = Base64.getDecoder().decode(new String(encryptedValue));
        } catch (IllegalArgumentException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, "not a value encrypted by this CryptoService");
        }
        if (in.length <= IV_BYTES) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, "not a value encrypted by this CryptoService");
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(TEST_KEY, "AES"),
                    new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
            byte[] plain = cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES);
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(plain));
            char[] out = new char[chars.remaining()];
            chars.get(out);
            return out;
        } catch (GeneralSecurityException | CharacterCodingException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, "not a value encrypted by this CryptoService");
        }
    }

    @Override
    @Deprecated
    public String encryptAes(String value) throws KuraException {
        return new String(encryptAes(value.toCharArray()));
    }

    @Override
    @Deprecated
    public String decryptAes(String encryptedValue) throws KuraException {
        return new String(decryptAes(encryptedValue.toCharArray()));
    }

    @Override
    public String sha1Hash(String s) throws KuraException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "SHA-1 unavailable");
        }
    }

    @Override
    public String encodeBase64(String stringValue) {
        return Base64.getEncoder().encodeToString(stringValue.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String decodeBase64(String encodedValue) throws KuraException {
        try {
            return new String(Base64.getDecoder().decode(encodedValue), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, "not base64");
        }
    }

    @Override
    public char[] getKeyStorePassword(String keyStorePath) {
        char[] password = this.keyStorePasswords.get(keyStorePath);
        return password == null ? "changeit".toCharArray() : password.clone();
    }

    @Override
    public void setKeyStorePassword(String keyStorePath, char[] password) {
        this.keyStorePasswords.put(keyStorePath, password.clone());
    }

    @Override
    public boolean isFrameworkSecure() {
        return false;
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
