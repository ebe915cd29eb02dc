package io.azurekura.connector.sts.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.resources.ProcessResources;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/**
 * Issue 11 item 6: closing the client (what every reconfiguration and deactivation does) releases its threads and
 * sockets at once, without a garbage collection. Counts sockets in /proc/self/fd and HTTP-stack threads by name.
 */
class StsClientResourceTest {

    private static final String HUB = "myhub.azure-devices.net";
    private static final TokenScope DEV1 = TokenScope.device(HUB, "dev1");
    private static final int RECONFIGURATIONS = 20;
    private static ReferenceTokenServer server;

    @BeforeAll
    static void startServer() {
        server = ReferenceTokenServer.start().addDevice(HUB, "dev1", SasSigner.newKey());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static HttpStsClient newClient() {
        StsSettings settings = new StsSettings(
                UrlTemplate.parse(server.baseUri() + "/api/token?sr={audience}", false), null, AuthMode.NONE, null,
                "x-api-key", ResponseFormat.TEXT, "token", Duration.ofSeconds(2), Duration.ofSeconds(5), 16_384,
                new TokenValidator(Duration.ofSeconds(60), Duration.ofDays(7)));
        return new HttpStsClient(settings, TestPki.shared().clientSslContext(), Instant::now);
    }

    @Test
    void twentyReconfigurationsLeaveNoExtraThreadOrSocketWithoutGc() throws Exception {
        int socketsBefore = ProcessResources.openSockets();
        List<String> threadsBefore = ProcessResources.threads(ProcessResources.HTTP_STACK_THREAD);

        HttpStsClient current = newClient();
        current.fetch(DEV1);
        int peakSockets = 0;
        int peakThreads = 0;
        for (int i = 0; i < RECONFIGURATIONS; i++) {
            HttpStsClient next = newClient();
            next.fetch(DEV1);
            peakSockets = Math.max(peakSockets, ProcessResources.openSockets() - socketsBefore);
            peakThreads = Math.max(peakThreads,
                    ProcessResources.threads(ProcessResources.HTTP_STACK_THREAD).size() - threadsBefore.size());
            current.close();
            current = next;
        }
        current.close();

        // The server closes its side when it reads our FIN; our side is closed synchronously by close().
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> ProcessResources.openSockets() <= socketsBefore);
        List<String> threadsAfter = ProcessResources.threads(ProcessResources.HTTP_STACK_THREAD);
        System.out.printf("STS client, %d reconfigurations: extra sockets while running max %d, after close %d;"
                + " extra HTTP threads while running max %d, after close %d (no GC)%n", RECONFIGURATIONS,
                peakSockets, ProcessResources.openSockets() - socketsBefore, peakThreads,
                threadsAfter.size() - threadsBefore.size());
        assertThat(threadsAfter).isEqualTo(threadsBefore);
        assertThat(ProcessResources.openSockets()).isLessThanOrEqualTo(socketsBefore);
    }
}
