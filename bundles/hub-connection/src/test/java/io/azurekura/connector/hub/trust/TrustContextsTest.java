package io.azurekura.connector.hub.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.azurekura.connector.testsupport.pki.TestPki;

class TrustContextsTest {

    @TempDir
    Path dir;

    @Test
    void trustsTheCasOfAPemFile() throws Exception {
        Path pem = this.dir.resolve("ca.pem");
        Files.writeString(pem, TestPki.shared().caCertificatePem());

        SSLContext context = TrustContexts.fromPemFile(pem);

        assertThat(context.getProtocol()).isEqualTo("TLSv1.2");
    }

    @Test
    void trustsAKeyStore() throws Exception {
        assertThat(TrustContexts.fromKeyStore(TestPki.shared().trustStore())).isNotNull();
    }

    @Test
    void unusableSourcesAreReportedNotThrownAsRuntimeErrors() throws Exception {
        assertThatThrownBy(() -> TrustContexts.fromPemFile(this.dir.resolve("missing.pem")))
                .isInstanceOf(TrustUnavailableException.class).hasMessageContaining("missing.pem");
        Path garbage = Files.writeString(this.dir.resolve("garbage.pem"), "not a certificate");
        assertThatThrownBy(() -> TrustContexts.fromPemFile(garbage)).isInstanceOf(TrustUnavailableException.class);
        KeyStore empty = KeyStore.getInstance(KeyStore.getDefaultType());
        empty.load(null, null);
        assertThatThrownBy(() -> TrustContexts.fromKeyStore(empty)).isInstanceOf(TrustUnavailableException.class)
                .hasMessageContaining("no certificate");
    }
}
