package io.azurekura.connector.testsupport.sts;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.vertx.core.http.HttpServerRequest;

/**
 * The credentials a client must present, any combination of bearer token, API key header and client certificate.
 * Secrets are compared in constant time and never written anywhere.
 */
final class ClientAuthenticator {

    private final X509Certificate trustedCa;
    private volatile String bearerToken;
    private volatile String apiKeyHeader;
    private volatile String apiKeyValue;
    private volatile boolean clientCertificateRequired;

    ClientAuthenticator(X509Certificate trustedCa) {
        this.trustedCa = trustedCa;
    }

    void requireBearerToken(String token) {
        this.bearerToken = token;
    }

    void requireApiKey(String headerName, String value) {
        if ((headerName == null) != (value == null)) {
            throw new IllegalArgumentException("give both the API key header name and value, or neither");
        }
        this.apiKeyHeader = headerName;
        this.apiKeyValue = value;
    }

    void requireClientCertificate(boolean required) {
        this.clientCertificateRequired = required;
    }

    boolean bearerRequired() {
        return this.bearerToken != null;
    }

    boolean accepts(HttpServerRequest request) {
        String bearer = this.bearerToken;
        if (bearer != null && !bearerMatches(request.getHeader(StsProtocol.AUTHORIZATION_HEADER), bearer)) {
            return false;
        }
        String header = this.apiKeyHeader;
        String apiKey = this.apiKeyValue;
        if (header != null && !secretEquals(request.getHeader(header), apiKey)) {
            return false;
        }
        return !this.clientCertificateRequired || hasTrustedClientCertificate(request);
    }

    private static boolean bearerMatches(String authorization, String expected) {
        String prefix = StsProtocol.BEARER_SCHEME.toLowerCase(Locale.ROOT) + " ";
        // RFC 7235: the auth scheme is case-insensitive; the credentials are not.
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(prefix)) {
            return false;
        }
        return secretEquals(authorization.substring(prefix.length()).trim(), expected);
    }

    private static boolean secretEquals(String presented, String expected) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * TLS runs with client authentication "requested", so the handshake already refuses a certificate the CA did
     * not sign; checking again here keeps the rule true whatever the TLS engine does with a wanted-but-bad one.
     */
    private boolean hasTrustedClientCertificate(HttpServerRequest request) {
        List<Certificate> chain;
        try {
            chain = request.connection().peerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
        if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate)) {
            return false;
        }
        X509Certificate leaf = (X509Certificate) chain.get(0);
        try {
            leaf.checkValidity();
            leaf.verify(this.trustedCa.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
