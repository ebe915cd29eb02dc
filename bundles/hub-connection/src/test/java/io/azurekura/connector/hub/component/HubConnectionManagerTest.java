package io.azurekura.connector.hub.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.hub.CloudToDeviceListener;
import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.SendException;
import io.azurekura.connector.api.hub.SendFailure;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.hub.endtoend.LoopbackHub;
import io.azurekura.connector.hub.endtoend.SigningTokenChain;
import io.azurekura.connector.testsupport.hub.ConnectionEvent;
import io.azurekura.connector.testsupport.hub.DisconnectReason;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/** The DS component as Kura would drive it: configuration map in, service calls, deactivation. */
class HubConnectionManagerTest {

    /** Threads of the JVM, the test runner and the emulator, which may come and go on their own. */
    private static final List<String> NOT_OURS = List.of("vert.x-", "vertx-", "ForkJoinPool", "awaitility",
            "Attach Listener", "Common-Cleaner", "process reaper", "surefire");

    @TempDir
    Path dir;

    private IotHubEmulator hub;
    private SigningTokenChain chain;
    private HubConnectionManager component;

    @AfterEach
    void cleanUp() {
        if (this.component != null) {
            this.component.deactivate();
        }
        if (this.chain != null) {
            this.chain.close();
        }
        if (this.hub != null) {
            this.hub.close();
        }
    }

    private static HubConnectionManager component(SasTokenCache cache) throws Exception {
        HubConnectionManager component = new HubConnectionManager();
        Field field = HubConnectionManager.class.getDeclaredField("cache"); // injected by DS in a framework
        field.setAccessible(true);
        field.set(component, cache);
        return component;
    }

    @Test
    void aBadConfigurationStaysRegisteredAndSaysWhatIsWrong() throws Exception {
        this.chain = new SigningTokenChain(SasSigner.newKey(), Duration.ofHours(1), Duration.ofSeconds(2));
        this.component = component(this.chain.cache);

        this.component.activate(Map.of("kura.service.pid", "broken-hub", "identity.source", "STATIC"));

        await().atMost(Duration.ofSeconds(5)).until(this.component::state, s -> s == ConnectionState.MISCONFIGURED);
        assertThat(this.component.status().reason()).isEqualTo(ConnectionReason.CONFIGURATION);
        assertThat(this.component.status().configurationProblems()).anyMatch(p -> p.contains("hub.host"));
        try {
            this.component.send(TelemetryMessage.ofJson("{}")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(((SendException) e.getCause()).failure()).isEqualTo(SendFailure.MISCONFIGURED);
            return;
        }
        throw new AssertionError("a misconfigured connection accepted a message");
    }

    @Test
    void connectsSendsDeliversToMatchingListenersAndLeavesNothingRunningAfterDeactivation() throws Exception {
        this.hub = LoopbackHub.start(Duration.ZERO);
        String key = SasSigner.newKey();
        this.hub.addDevice("gateway-1", key);
        this.chain = new SigningTokenChain(key, Duration.ofHours(1), Duration.ofSeconds(2));
        Path caFile = Files.writeString(this.dir.resolve("hub-ca.pem"), TestPki.shared().caCertificatePem());
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());

        this.component = component(this.chain.cache);
        List<CloudToDeviceMessage> forUs = new CopyOnWriteArrayList<>();
        List<CloudToDeviceMessage> forOthers = new CopyOnWriteArrayList<>();
        CloudToDeviceListener mine = forUs::add;
        CloudToDeviceListener theirs = forOthers::add;
        this.component.bindCloudToDeviceListener(mine,
                Map.of(CloudToDeviceListener.CONNECTION_TARGET, "(kura.service.pid=gateway-hub)"));
        this.component.bindCloudToDeviceListener(theirs,
                Map.of(CloudToDeviceListener.CONNECTION_TARGET, "(kura.service.pid=another-hub)"));
        Map<String, Object> config = new HashMap<>();
        config.put("kura.service.pid", "gateway-hub");
        config.put("identity.source", "STATIC");
        config.put("hub.host", "localhost");
        config.put("device.id", "gateway-1");
        config.put("trust.source", "PEM_FILE");
        config.put("trust.pem.file", caFile.toString());
        this.component.activate(config);

        await().atMost(Duration.ofSeconds(30)).until(this.component::state, s -> s == ConnectionState.CONNECTED);
        this.component.send(TelemetryMessage.ofJson("{\"hello\":1}")).toCompletableFuture().get(10,
                TimeUnit.SECONDS);
        this.hub.sendCloudToDevice("gateway-1", "ping".getBytes(StandardCharsets.UTF_8), Map.of("$.mid", "c1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> forUs.size() == 1);
        assertThat(forOthers).isEmpty();

        this.component.deactivate();
        this.component = null;

        // Deactivation sent DISCONNECT and closed our end; the hub handles it when it arrives.
        await().atMost(Duration.ofSeconds(10)).until(() -> !this.hub.isConnected("gateway-1"));
        assertThat(this.hub.connectionEvents("gateway-1")).last().extracting(ConnectionEvent::disconnectReason)
                .isEqualTo(DisconnectReason.CLIENT_DISCONNECT);
        this.chain.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(threadsStartedSince(before))
                .as("threads still running after deactivation").isEmpty());
    }

    @Test
    void multiplexedInstancesShareOneAmqpConnectionAndLeaveNothingRunningAfterDeactivation() throws Exception {
        this.hub = LoopbackHub.start(Duration.ZERO);
        String key = SasSigner.newKey();
        this.hub.addDevice("mux-a", key).addDevice("mux-b", key);
        this.chain = new SigningTokenChain(key, Duration.ofHours(1), Duration.ofSeconds(2));
        Path caFile = Files.writeString(this.dir.resolve("hub-ca.pem"), TestPki.shared().caCertificatePem());
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        HubConnectionManager second = component(this.chain.cache);
        this.component = component(this.chain.cache);
        try {
            for (String device : List.of("mux-a", "mux-b")) {
                Map<String, Object> config = new HashMap<>();
                config.put("kura.service.pid", "hub-" + device);
                config.put("hub.host", "localhost");
                config.put("device.id", device);
                config.put("transport", "AMQPS");
                config.put("amqp.multiplexing", true);
                config.put("connect.rate.per.second", 20);
                config.put("trust.source", "PEM_FILE");
                config.put("trust.pem.file", caFile.toString());
                (device.equals("mux-a") ? this.component : second).activate(config);
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> this.component.state() == ConnectionState.CONNECTED
                    && second.state() == ConnectionState.CONNECTED);
            this.component.send(TelemetryMessage.ofJson("{\"from\":\"a\"}")).toCompletableFuture().get(10,
                    TimeUnit.SECONDS);
            second.send(TelemetryMessage.ofJson("{\"from\":\"b\"}")).toCompletableFuture().get(10,
                    TimeUnit.SECONDS);
            assertThat(this.hub.counters().amqpConnections()).isEqualTo(1);
            assertThat(this.hub.isConnectedOverAmqp("mux-a")).isTrue();
            assertThat(this.hub.isConnectedOverAmqp("mux-b")).isTrue();
        } finally {
            second.deactivate();
        }
        this.component.deactivate();
        this.component = null;

        // Deactivation closed our end; the hub sees the close when it arrives.
        await().atMost(Duration.ofSeconds(10)).until(() -> this.hub.openAmqpConnections() == 0);
        this.chain.close();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(threadsStartedSince(before))
                .as("threads still running after deactivation").isEmpty());
    }

    /**
     * Issue 11: a reconfiguration that keeps the identity (here the keep-alive) must not fail what the old connection
     * still holds. The hub withholds PUBACKs so that the messages are certainly in flight during {@code modified};
     * more are sent while it runs. Every one must be acknowledged, and reach the hub.
     */
    @Test
    void aReconfigurationThatKeepsTheIdentityDeliversWhatWasInFlightOnTheNewConnection() throws Exception {
        this.hub = LoopbackHub.start(Duration.ZERO);
        String key = SasSigner.newKey();
        this.hub.addDevice("reconf-1", key);
        this.chain = new SigningTokenChain(key, Duration.ofHours(1), Duration.ofSeconds(2));
        Path caFile = Files.writeString(this.dir.resolve("hub-ca.pem"), TestPki.shared().caCertificatePem());
        this.component = component(this.chain.cache);
        Map<String, Object> config = new HashMap<>();
        config.put("kura.service.pid", "reconf-hub");
        config.put("hub.host", "localhost");
        config.put("device.id", "reconf-1");
        config.put("trust.source", "PEM_FILE");
        config.put("trust.pem.file", caFile.toString());
        config.put("keep.alive.seconds", 60);
        this.component.activate(config);
        await().atMost(Duration.ofSeconds(30)).until(this.component::state, s -> s == ConnectionState.CONNECTED);

        this.hub.withholdTelemetryAcks(true);
        List<CompletableFuture<MessageReceipt>> sends = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sends.add(this.component.send(TelemetryMessage.ofJson("{\"n\":" + i + "}")).toCompletableFuture());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> this.hub.messages("reconf-1").size() >= 40);
        assertThat(this.component.status().inFlight()).isEqualTo(40);

        config.put("keep.alive.seconds", 90);
        CompletableFuture<Void> sendingDuring = CompletableFuture.runAsync(() -> {
            for (int i = 40; i < 60; i++) {
                sends.add(this.component.send(TelemetryMessage.ofJson("{\"n\":" + i + "}")).toCompletableFuture());
            }
        });
        this.hub.withholdTelemetryAcks(false);
        this.component.modified(config);
        sendingDuring.get(10, TimeUnit.SECONDS);

        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        Set<String> idsAtHub = this.hub.messages("reconf-1").stream().map(m -> m.messageId())
                .collect(Collectors.toSet());
        for (CompletableFuture<MessageReceipt> send : sends) {
            assertThat(idsAtHub).contains(send.get().messageId());
        }
        assertThat(sends).hasSize(60);
        assertThat(this.component.status().messagesFailed()).isZero();
    }

    @Test
    void aReconfigurationToAnotherIdentityFailsWhatWasInFlightAsClosedWithTheReason() throws Exception {
        this.hub = LoopbackHub.start(Duration.ZERO);
        String key = SasSigner.newKey();
        this.hub.addDevice("reconf-a", key).addDevice("reconf-b", key);
        this.chain = new SigningTokenChain(key, Duration.ofHours(1), Duration.ofSeconds(2));
        Path caFile = Files.writeString(this.dir.resolve("hub-ca.pem"), TestPki.shared().caCertificatePem());
        this.component = component(this.chain.cache);
        Map<String, Object> config = new HashMap<>();
        config.put("kura.service.pid", "reconf-hub");
        config.put("hub.host", "localhost");
        config.put("device.id", "reconf-a");
        config.put("trust.source", "PEM_FILE");
        config.put("trust.pem.file", caFile.toString());
        this.component.activate(config);
        await().atMost(Duration.ofSeconds(30)).until(this.component::state, s -> s == ConnectionState.CONNECTED);
        this.hub.withholdTelemetryAcks(true);
        CompletableFuture<MessageReceipt> send = this.component.send(TelemetryMessage.ofJson("{}"))
                .toCompletableFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> this.hub.messages("reconf-a").size() == 1);

        config.put("device.id", "reconf-b");
        this.component.modified(config);

        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> send.get(10, TimeUnit.SECONDS));
        assertThat(((SendException) failure.getCause()).failure()).isEqualTo(SendFailure.CLOSED);
        this.hub.withholdTelemetryAcks(false);
        await().atMost(Duration.ofSeconds(30)).until(this.component::state, s -> s == ConnectionState.CONNECTED);
        assertThat(this.hub.messages("reconf-b")).isEmpty();
    }

    private static List<String> threadsStartedSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName).filter(name -> NOT_OURS.stream().noneMatch(name::startsWith))
                .sorted().collect(Collectors.toList());
    }
}
