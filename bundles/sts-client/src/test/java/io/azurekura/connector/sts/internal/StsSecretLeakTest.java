package io.azurekura.connector.sts.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/** Issue 11 item 2: a pasted secret with a trailing line break must not reach an exception message or a log. */
class StsSecretLeakTest {

    private static final String HUB = "myhub.azure-devices.net";
    private static final String SECRET = "s3cr3t-Bearer-Value-0123456789";
    private static ReferenceTokenServer server;

    @BeforeAll
    static void startServer() {
        server = ReferenceTokenServer.start().addDevice(HUB, "dev1", SasSigner.newKey());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @ParameterizedTest
    @EnumSource(value = AuthMode.class, names = { "BEARER", "API_KEY" })
    void aSecretWithATrailingLineBreakFailsClassifiedAndUnquoted(AuthMode mode) {
        StsSettings settings = new StsSettings(
                UrlTemplate.parse(server.baseUri() + "/api/token?sr={audience}", false), null, mode,
                (SECRET + "\r\n").toCharArray(), "x-api-key", ResponseFormat.TEXT, "token", Duration.ofSeconds(2),
                Duration.ofSeconds(2), 16_384, new TokenValidator(Duration.ofSeconds(60), Duration.ofDays(7)));
        try (CapturedLogs logs = new CapturedLogs();
                HttpStsClient client = new HttpStsClient(settings, TestPki.shared().clientSslContext(),
                        Instant::now)) {
            Throwable thrown = catchThrowable(() -> client.fetch(TokenScope.device(HUB, "dev1")));

            assertThat(thrown).isInstanceOf(TokenFetchException.class);
            assertThat(String.valueOf(thrown)).doesNotContain(SECRET);
            assertThat(logs.leakedSecrets(SECRET)).isEmpty();
        }
    }
}
