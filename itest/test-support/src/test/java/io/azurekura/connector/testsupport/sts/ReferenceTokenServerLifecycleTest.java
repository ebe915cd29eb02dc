package io.azurekura.connector.testsupport.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.testsupport.sas.SasSigner;

class ReferenceTokenServerLifecycleTest {

    private static final String HUB = "myhub.azure-devices.net";

    private static Set<Thread> vertxThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("vert.x-") || thread.getName().startsWith("vertx-"))
                .filter(Thread::isAlive)
                .collect(Collectors.toSet());
    }

    @Test
    void countsRequestsPerAudienceInAnySpellingAndInTotal() {
        try (ReferenceTokenServer server = ReferenceTokenServer.start()) {
            server.addDevice(HUB, "dev1", SasSigner.newKey()).addDevice(HUB, "dev2", SasSigner.newKey());
            TokenServerClient client = TokenServerClient.plain(server);

            client.get(HUB + "/devices/dev1");
            client.get(SasSigner.urlEncode("MYHUB.azure-devices.net/devices/dev1"));
            client.get(HUB + "/devices/dev2");
            client.get(HUB + "/devices/unknown");
            client.get(null);

            assertThat(server.requestCount(HUB + "/devices/dev1")).isEqualTo(2);
            assertThat(server.requestCount("myhub.azure-devices.net%2fdevices%2fdev1")).isEqualTo(2);
            assertThat(server.requestCount(HUB + "/devices/dev2")).isEqualTo(1);
            assertThat(server.requestCount(HUB + "/devices/unknown")).isEqualTo(1);
            assertThat(server.requestCount(HUB + "/devices/dev3")).isZero();
            assertThat(server.totalRequests()).isEqualTo(5);

            server.resetCounts();

            assertThat(server.requestCount(HUB + "/devices/dev1")).isZero();
            assertThat(server.totalRequests()).isZero();
            client.get(HUB + "/devices/dev2");
            assertThat(server.requestCount(HUB + "/devices/dev2")).isEqualTo(1);
        }
    }

    @Test
    void closeStopsEveryVertxThreadAndFreesThePort() throws IOException {
        Set<Thread> before = vertxThreads();
        ReferenceTokenServer server = ReferenceTokenServer.start();
        server.addDevice(HUB, "dev1", SasSigner.newKey());
        assertThat(TokenServerClient.plain(server).get(HUB + "/devices/dev1").statusCode()).isEqualTo(200);
        Set<Thread> ours = vertxThreads();
        ours.removeAll(before);
        assertThat(ours).as("the server runs on Vert.x threads of its own").isNotEmpty();
        int port = server.port();

        server.close();
        server.close();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(ours).noneMatch(Thread::isAlive));
        try (ServerSocket rebound = new ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(rebound.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void startsOnAGivenPortAndBindsLoopbackOnly() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (ReferenceTokenServer server = ReferenceTokenServer.start(port)) {
            server.addDevice(HUB, "dev1", SasSigner.newKey());

            assertThat(server.port()).isEqualTo(port);
            assertThat(server.baseUri().toString()).isEqualTo("https://localhost:" + port);
            assertThat(TokenServerClient.plain(server).get(HUB + "/devices/dev1").statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> ReferenceTokenServer.start(port)).as("the port is taken")
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aFailedStartLeavesNoThreadsBehind() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Set<Thread> before = vertxThreads();

            assertThatThrownBy(() -> ReferenceTokenServer.start(taken.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(
                    () -> assertThat(vertxThreads()).isSubsetOf(before));
        }
    }

    @Test
    void rejectsKeysThatAreNotBase64WithoutEchoingThem() {
        try (ReferenceTokenServer server = ReferenceTokenServer.start()) {
            assertThatThrownBy(() -> server.addDevice(HUB, "dev1", "not base64 !!"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining("not base64 !!");
        }
    }
}
