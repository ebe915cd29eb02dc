package io.azurekura.connector.dps.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.resources.ProcessResources;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Issue 11 item 6: a closed DPS client (every reconfiguration and deactivation closes one) holds no thread and no
 * socket, without a garbage collection.
 */
class DpsClientResourceTest {

    private static final String SCOPE = "0ne00RES001";
    private static final int RECONFIGURATIONS = 20;

    @Test
    void twentyClosedClientsLeaveNoExtraThreadOrSocketWithoutGc() throws Exception {
        String key = SasSigner.newKey();
        try (DpsEmulator dps = DpsEmulator.builder().idScope(SCOPE).pollsBeforeAssigned(0).start()) {
            dps.enrollIndividual("dev1", key);
            String token = SasSigner.sign(TokenScope.dpsRegistration(SCOPE, "dev1").resourceUri(), key,
                    System.currentTimeMillis() / 1000 + 3600, "registration", SasSigner.ResourceForm.ENCODED_LOWER_CASE);
            int socketsBefore = ProcessResources.openSockets();
            List<String> threadsBefore = ProcessResources.threads(ProcessResources.HTTP_STACK_THREAD);

            for (int i = 0; i <= RECONFIGURATIONS; i++) {
                try (DpsRegistrationClient client = new DpsRegistrationClient(
                        GlobalEndpoint.parse("localhost:" + dps.port(), false), "2021-06-01",
                        TestPki.shared().clientSslContext(), Duration.ofSeconds(5), 65_536)) {
                    assertThat(client.statusLookup(SCOPE, "dev1", token, Duration.ofSeconds(5)).httpStatus()).isBetween(200, 404);
                }
            }

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> ProcessResources.openSockets() <= socketsBefore);
            System.out.printf("DPS client, %d reconfigurations: extra sockets after close %d, extra HTTP threads %d"
                    + " (no GC)%n", RECONFIGURATIONS, ProcessResources.openSockets() - socketsBefore,
                    ProcessResources.threads(ProcessResources.HTTP_STACK_THREAD).size() - threadsBefore.size());
            assertThat(ProcessResources.threads(ProcessResources.HTTP_STACK_THREAD)).isEqualTo(threadsBefore);
        }
    }
}
