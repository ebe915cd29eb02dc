package io.azurekura.connector.testsupport.pki;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority made at test time: one CA, a server certificate valid for {@code localhost}
 * and {@code 127.0.0.1} (Paho verifies the host name and sends SNI), and a client certificate. TLS verification
 * stays on everywhere; tests trust this CA instead of turning checks off.
 */
public final class TestPki {

    public static final char[] PASSWORD = "changeit".toCharArray();
    public static final String SERVER_ALIAS = "server";
    public static final String CLIENT_ALIAS = "client";
    public static final String CA_ALIAS = "test-ca";

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static volatile TestPki shared;

    private final KeyPair caKeys;
    private final X509Certificate caCert;
    private final KeyPair serverKeys;
    private final X509Certificate serverCert;
    private final KeyPair clientKeys;
    private final X509Certificate clientCert;

    private TestPki() {
        try {
            this.caKeys = newKeyPair();
            this.caCert = sign(new X500Name("CN=Azure STS Connector Test CA"), this.caKeys, null, true, null);
            this.serverKeys = newKeyPair();
            this.serverCert = sign(new X500Name("CN=localhost"), this.serverKeys, KeyPurposeId.id_kp_serverAuth,
                    false, new GeneralNames(new GeneralName[] { new GeneralName(GeneralName.dNSName, "localhost"),
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1") }));
            this.clientKeys = newKeyPair();
            this.clientCert = sign(new X500Name("CN=test-gateway"), this.clientKeys, KeyPurposeId.id_kp_clientAuth,
                    false, null);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot create the test PKI", e);
        }
    }

    /** One PKI per JVM: key generation is the slow part. */
    public static TestPki shared() {
        TestPki pki = shared;
        if (pki == null) {
            synchronized (TestPki.class) {
                pki = shared;
                if (pki == null) {
                    pki = new TestPki();
                    shared = pki;
                }
            }
        }
        return pki;
    }

    /** A PKI of its own, for tests that need a certificate the shared CA did not sign. */
    public static TestPki fresh() {
        return new TestPki();
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256, new SecureRandom());
        return generator.generateKeyPair();
    }

    private X509Certificate sign(X500Name subject, KeyPair subjectKeys, KeyPurposeId purpose, boolean ca,
            GeneralNames altNames) throws GeneralSecurityException, OperatorCreationException, IOException {
        Instant now = Instant.now();
        X500Name issuer = ca ? subject : new X500Name(this.caCert.getSubjectX500Principal().getName());
        PrivateKey signingKey = ca ? subjectKeys.getPrivate() : this.caKeys.getPrivate();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(30))), subject, subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        }
        if (altNames != null) {
            builder.addExtension(Extension.subjectAlternativeName, false, altNames);
        }
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    public X509Certificate caCertificate() {
        return this.caCert;
    }

    public X509Certificate serverCertificate() {
        return this.serverCert;
    }

    public X509Certificate clientCertificate() {
        return this.clientCert;
    }

    /** PKCS12 with the server key and chain under {@link #SERVER_ALIAS}. */
    public KeyStore serverKeyStore() {
        return keyStore(SERVER_ALIAS, this.serverKeys, this.serverCert);
    }

    /** PKCS12 with the client key and chain under {@link #CLIENT_ALIAS}. */
    public KeyStore clientKeyStore() {
        return keyStore(CLIENT_ALIAS, this.clientKeys, this.clientCert);
    }

    /** PKCS12 holding only the CA certificate, as a trust store. */
    public KeyStore trustStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry(CA_ALIAS, this.caCert);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private KeyStore keyStore(String alias, KeyPair keys, X509Certificate cert) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, keys.getPrivate(), PASSWORD, new X509Certificate[] { cert, this.caCert });
            store.setCertificateEntry(CA_ALIAS, this.caCert);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] toBytes(KeyStore store) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            store.store(out, PASSWORD);
            return out.toByteArray();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Client-side TLS that trusts this CA (and nothing else), without a client certificate. */
    public SSLContext clientSslContext() {
        return sslContext(null, trustStore());
    }

    /** Client-side TLS that trusts this CA and presents the client certificate. */
    public SSLContext mutualTlsClientSslContext() {
        return sslContext(clientKeyStore(), trustStore());
    }

    public static SSLContext sslContext(KeyStore keys, KeyStore trust) {
        try {
            KeyManagerFactory kmf = null;
            if (keys != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, PASSWORD);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate as PEM, e.g. for the Azure SDK's {@code IotHubSSLContext.getSSLContextFromString}. */
    public String caCertificatePem() {
        return pem(this.caCert);
    }

    public String serverCertificatePem() {
        return pem(this.serverCert) + pem(this.caCert);
    }

    public String serverPrivateKeyPem() {
        return pem(this.serverKeys.getPrivate());
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
