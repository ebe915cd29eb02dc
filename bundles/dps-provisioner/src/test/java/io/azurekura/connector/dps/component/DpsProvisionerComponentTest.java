package io.azurekura.connector.dps.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.kura.security.keystore.KeystoreService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.azurekura.connector.api.dps.ProvisioningEvent;
import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.dps.provisioning.FakeTokenCache;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/** The DS component driven as SCR would (bind, activate, modify, deactivate), in real time against the emulator. */
class DpsProvisionerComponentTest {

    private static final String SCOPE = "0ne00COMP01";

    @TempDir
    Path dir;

    private final String groupKey = SasSigner.newKey();
    private final FakeTokenCache cache = new FakeTokenCache(Instant::now, this.groupKey).derivingDeviceKeys();
    private final DpsProvisionerComponent component = new DpsProvisionerComponent();
    private DpsEmulator dps;

    @BeforeEach
    void start() {
        // Retry-After 1 s and the first poll assigned: one registration takes about a second of real time.
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub("comp-hub.azure-devices.net")
                .pollsBeforeAssigned(0).retryAfterSeconds(1).start();
        this.dps.enrollGroup("gateways", this.groupKey);
        this.component.setTokenCache(this.cache);
    }

    @AfterEach
    void stop() {
        this.component.deactivate();
        this.dps.close();
    }

    private Map<String, Object> config(String registrationId) {
        Map<String, Object> props = new HashMap<>();
        props.put("service.pid", DpsProvisionerComponent.PID + ".a1b2c3");
        props.put("kura.service.pid", "dps-gateway-1");
        props.put("dps.id.scope", SCOPE);
        props.put("dps.registration.id", registrationId);
        props.put("dps.global.endpoint", "localhost:" + this.dps.port());
        props.put("dps.poll.interval.min.seconds", 1);
        props.put("dps.assignment.directory", this.dir.toString());
        props.put("dps.payload", "{\"site\":\"plant-9\"}");
        return props;
    }

    static KeystoreService trusting(KeyStore trust) {
        return (KeystoreService) Proxy.newProxyInstance(KeystoreService.class.getClassLoader(),
                new Class<?>[] { KeystoreService.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                    case "getKeyStore":
                        return trust;
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    case "toString":
                        return "test trust store";
                    default:
                        throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private static boolean ourThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("azure-sts-connector-dps-"));
    }

    @Test
    void provisionsThroughTheSelectedTrustStoreAndStopsOnDeactivate() throws Exception {
        List<ProvisioningEvent> events = new CopyOnWriteArrayList<>();
        this.component.addListener(events::add);
        this.component.bindTruststore(trusting(TestPki.shared().trustStore()));

        this.component.activate(null, config("gw-1"));

        assertThat(this.component.awaitAssignment(Duration.ofSeconds(15))).isTrue();
        ProvisioningStatus status = this.component.status();
        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(status.assignedHub()).hasValue("comp-hub.azure-devices.net");
        assertThat(status.configurationProblem()).isEmpty();
        assertThat(this.dps.lastRequestPayload("gw-1")).isEqualTo("{\"site\":\"plant-9\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
        assertThat(events.get(0).type()).isEqualTo(ProvisioningEvent.Type.ASSIGNED);
        assertThat(this.dir.resolve("assignment-dps-gateway-1.json")).exists();

        this.component.deactivate();
        await().atMost(Duration.ofSeconds(5)).until(() -> !ourThreadsAlive());
    }

    @Test
    void reconfiguringTheRegistrationIdRegistersTheNewIdentity() throws Exception {
        this.component.bindTruststore(trusting(TestPki.shared().trustStore()));
        this.component.activate(null, config("gw-1"));
        assertThat(this.component.awaitAssignment(Duration.ofSeconds(15))).isTrue();

        this.component.modified(config("gw-2"));

        await().atMost(Duration.ofSeconds(15)).until(() -> this.component.assignment()
                .filter(a -> a.deviceId().equals("gw-2")).isPresent());
        assertThat(Files.readString(this.dir.resolve("assignment-dps-gateway-1.json"))).contains("gw-2")
                .doesNotContain("gw-1");
        assertThat(this.dps.counters("gw-2").registerRequests()).isEqualTo(1);
    }

    @Test
    void theJvmDefaultTrustIsUsedWithoutATrustStore() {
        this.component.activate(null, config("gw-1"));

        await().atMost(Duration.ofSeconds(15)).until(() -> this.component.status().state()
                == ProvisioningState.FAILED);
        assertThat(this.component.status().lastFailure()).hasValue(ProvisioningFailure.TLS);
        assertThat(this.dps.totalRequests()).isZero();
    }

    @Test
    void aMalformedPayloadIsReportedNotThrown() {
        Map<String, Object> props = config("gw-1");
        props.put("dps.payload", "{\"site\": plant-9");

        this.component.activate(null, props);

        ProvisioningStatus status = this.component.status();
        assertThat(status.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(status.lastFailure()).hasValue(ProvisioningFailure.CONFIGURATION);
        assertThat(status.configurationProblem().orElseThrow()).contains("payload is not valid JSON");
        assertThat(ourThreadsAlive()).isFalse();
        assertThat(this.dps.totalRequests()).isZero();

        // Fixing it in Kura's UI (a modified configuration) starts provisioning.
        this.component.bindTruststore(trusting(TestPki.shared().trustStore()));
        props.put("dps.payload", "");
        this.component.modified(props);
        await().atMost(Duration.ofSeconds(15)).until(() -> this.component.status().state()
                == ProvisioningState.ASSIGNED);
    }

    @Test
    void missingIdentityAndInsecureEndpointsAreConfigurationProblems() throws Exception {
        Map<String, Object> props = config("gw-1");
        props.remove("dps.id.scope");
        this.component.activate(null, props);
        assertThat(this.component.status().configurationProblem().orElseThrow()).contains("ID scope is not set");

        props = config("gw-1");
        props.put("dps.global.endpoint", "http://dps.example.com");
        this.component.modified(props);
        assertThat(this.component.status().configurationProblem().orElseThrow())
                .contains("dps.allow.insecure.http");

        props.put("dps.api.version", "latest");
        props.put("dps.global.endpoint", "localhost:" + this.dps.port());
        this.component.modified(props);
        assertThat(this.component.status().configurationProblem().orElseThrow()).contains("api-version");
        assertThat(this.component.awaitAssignment(Duration.ZERO)).isFalse();
        assertThat(this.component.hubAuthenticationFailed("CONNACK 5")).isFalse();
        assertThat(this.dps.totalRequests()).isZero();
    }
}
