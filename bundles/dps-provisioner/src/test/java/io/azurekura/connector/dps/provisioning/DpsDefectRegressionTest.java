package io.azurekura.connector.dps.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.dps.store.AssignmentStore;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.GlobalEndpoint;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.dps.DpsEndpoint;
import io.azurekura.connector.testsupport.dps.DpsFault;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * One test per defect of issue 11 (saved file trusted too much, assigned hub not validated, log injection through
 * DPS-supplied ids, {@code ..} path segments, deadline overrun). Each failed on the code before its fix.
 */
class DpsDefectRegressionTest {

    static final String SCOPE = "0ne00REG011";
    static final String DEVICE = "gateway-11";
    static final String HUB = "hub-a.azure-devices.net";
    static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    @TempDir
    Path dir;

    final VirtualTime time = new VirtualTime(Instant.now());
    final String key = SasSigner.newKey();
    final List<DpsProvisioningService> services = new ArrayList<>();
    DpsEmulator dps;
    FakeTokenCache cache;
    CapturedLogs logs;

    @BeforeEach
    void start() {
        this.logs = new CapturedLogs();
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub(HUB).pollsBeforeAssigned(1).retryAfterSeconds(2)
                .clock(this.time.asJavaClock()).start();
        this.dps.enrollIndividual(DEVICE, this.key);
        this.cache = new FakeTokenCache(this.time::now, this.key);
    }

    @AfterEach
    void stop() {
        this.services.forEach(DpsProvisioningService::close);
        this.dps.close();
        this.logs.close();
    }

    Path savedFile() {
        return this.dir.resolve("dps").resolve("assignment.json");
    }

    ProvisioningSettings.Builder settings() {
        return ProvisioningSettings.builder(SCOPE, DEVICE).overallTimeout(Duration.ofSeconds(120))
                .retry(Duration.ofMinutes(10), Duration.ofMinutes(30));
    }

    DpsProvisioningService service(ProvisioningSettings settings, Clock clock, Sleeper sleeper,
            Duration requestTimeout) {
        DpsRegistrationClient client = new DpsRegistrationClient(
                GlobalEndpoint.parse("127.0.0.1:" + this.dps.port(), false), "2021-06-01",
                TestPki.shared().clientSslContext(), requestTimeout, 65_536);
        DpsProvisioningService service = new DpsProvisioningService(settings, this.cache, client,
                new AssignmentStore(savedFile()), clock, sleeper, () -> 0.5);
        this.services.add(service);
        return service;
    }

    ProvisioningStatus settle() {
        DpsProvisioningService service = service(settings().build(), this.time, this.time, Duration.ofSeconds(5));
        service.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> service.status().state() == ProvisioningState.ASSIGNED
                || service.status().state() == ProvisioningState.FAILED);
        return service.status();
    }

    void saveValid() throws Exception {
        new AssignmentStore(savedFile()).save(new Assignment(SCOPE, DEVICE, HUB, DEVICE, null, null, Instant.now()));
    }

    void writeSaved(String hub, String deviceId) throws Exception {
        Files.createDirectories(savedFile().getParent());
        com.google.gson.JsonObject json = new com.google.gson.JsonObject();
        json.addProperty("formatVersion", 1);
        json.addProperty("idScope", SCOPE);
        json.addProperty("registrationId", DEVICE);
        json.addProperty("assignedHub", hub);
        json.addProperty("deviceId", deviceId);
        json.addProperty("assignedAt", Instant.now().toString());
        Files.writeString(savedFile(), json.toString());
        Files.setPosixFilePermissions(savedFile(), PosixFilePermissions.fromString("rw-------"));
    }

    void assertRegisteredAfresh(ProvisioningStatus status) {
        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(status.isFromSavedAssignment()).isFalse();
        assertThat(status.assignedHub()).hasValue(HUB);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(1);
    }

    void assertNoForgedLine() {
        assertThat(this.logs.lines()).noneMatch(line -> line.contains("\nFORGED") || line.contains("\rFORGED")
                || line.contains("\u2028FORGED") || line.contains("\u0085FORGED"));
    }

    // Defect 3 -------------------------------------------------------------------------------------------------

    @Test
    void aSymlinkToDevZeroIsNotReadAndTheDeviceRegisters() throws Exception {
        Files.createDirectories(savedFile().getParent());
        Files.createSymbolicLink(savedFile(), Path.of("/dev/zero"));

        assertRegisteredAfresh(settle());
    }

    @Test
    void aFifoDoesNotBlockStartUp() throws Exception {
        Files.createDirectories(savedFile().getParent());
        Process mkfifo = new ProcessBuilder("mkfifo", savedFile().toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo available");

        assertRegisteredAfresh(settle());
    }

    @Test
    void aGroupWritableSavedFileIsIgnored() throws Exception {
        saveValid();
        Files.setPosixFilePermissions(savedFile(), PosixFilePermissions.fromString("rw-rw----"));

        assertRegisteredAfresh(settle());
        assertThat(this.logs.linesContaining("writable by")).isNotEmpty();
    }

    @Test
    void aSavedFileOwnedByAnotherUserIsIgnored() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "chown needs root");
        saveValid();
        Files.setAttribute(savedFile(), "unix:uid", 4242);

        assertRegisteredAfresh(settle());
        assertThat(this.logs.linesContaining("owned by")).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "attacker.example.net", "127.0.0.1:99999", "host:1/x?y=1#frag" })
    void aSavedFileWithAForeignHubIsNotUsed(String hub) throws Exception {
        writeSaved(hub, DEVICE);

        assertRegisteredAfresh(settle());
    }

    @Test
    void aSavedFileWithAForgedDeviceIdIsNotUsedNorLoggedRaw() throws Exception {
        writeSaved(HUB, "gw\r\nFORGED line");

        assertRegisteredAfresh(settle());
        assertNoForgedLine();
    }

    // Defect 4 -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = { "attacker.example.net", "127.0.0.1:99999", "host:1/x?y=1#frag" })
    void aForeignHubFromDpsIsRefusedAndNotSaved(String hub) {
        this.dps.reassign(DEVICE, hub);

        ProvisioningStatus status = settle();

        assertThat(status.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(status.lastFailure().map(Enum::name)).hasValue("ASSIGNMENT_REFUSED");
        assertThat(status.assignment()).isEmpty();
        assertThat(Files.exists(savedFile())).isFalse();
    }

    // Defect 5 -------------------------------------------------------------------------------------------------

    @Test
    void aDeviceIdWithALineBreakIsRefusedAndNotLoggedRaw() {
        this.dps.inject(DpsFault.rawAnswer(DpsEndpoint.REGISTER, 200, JSON, "{\"operationId\":\"5.a\","
                + "\"status\":\"assigned\",\"registrationState\":{\"registrationId\":\"" + DEVICE + "\","
                + "\"status\":\"assigned\",\"assignedHub\":\"" + HUB + "\",\"deviceId\":\"gw\\r\\nFORGED line\"}}"));

        ProvisioningStatus status = settle();

        assertThat(status.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(status.lastFailure().map(Enum::name)).hasValue("ASSIGNMENT_REFUSED");
        assertNoForgedLine();
    }

    @ParameterizedTest
    @ValueSource(strings = { "evil\\r\\nFORGED", "evil\\u2028FORGED", "evil\\u0085FORGED" })
    void anUnknownStatusWithALineBreakIsNotLoggedRaw(String status) {
        this.dps.inject(DpsFault.rawAnswer(DpsEndpoint.REGISTER, 202, JSON,
                "{\"operationId\":\"5.a\",\"status\":\"" + status + "\"}"));

        ProvisioningStatus result = settle();

        assertThat(result.state()).isEqualTo(ProvisioningState.FAILED);
        assertNoForgedLine();
        assertThat(result.lastError().orElseThrow()).doesNotContain("\n", "\r", "\u2028", "\u0085");
    }

    // Defect 7 -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = { "..", ".", "a/../b", "%2e%2e" })
    void aRelativeOperationIdIsNeverSent(String operationId) {
        this.dps.inject(DpsFault.rawAnswer(DpsEndpoint.REGISTER, 202, JSON,
                "{\"operationId\":\"" + operationId + "\",\"status\":\"assigning\"}"));

        ProvisioningStatus status = settle();

        assertThat(status.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(status.lastFailure().map(Enum::name)).hasValue("MALFORMED_RESPONSE");
        assertThat(this.dps.totalRequests()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = { "..", "." })
    void aRelativeRegistrationIdIsRefused(String registrationId) {
        assertThatThrownBy(() -> ProvisioningSettings.builder(SCOPE, registrationId).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registration id");
    }

    // Defect 9 -------------------------------------------------------------------------------------------------

    @Test
    void noRequestOutlivesTheOverallTimeout() {
        this.dps.close();
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub(HUB).start();
        this.dps.enrollIndividual(DEVICE, this.key);
        this.dps.inject(DpsFault.delayed(DpsEndpoint.REGISTER, Duration.ofSeconds(30)).times(Integer.MAX_VALUE));
        this.cache = new FakeTokenCache(Instant::now, this.key);
        Duration overall = Duration.ofSeconds(3);
        DpsProvisioningService service = service(settings().overallTimeout(overall)
                .requestBackoff(Duration.ofMillis(200), Duration.ofMillis(400)).build(), Clock.SYSTEM,
                Sleeper.SYSTEM, Duration.ofMillis(2500));

        long started = System.nanoTime();
        service.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> service.status().state() == ProvisioningState.FAILED);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(service.status().lastFailure().map(Enum::name)).hasValue("TIMEOUT");
        // Before: the second request got a whole request timeout (2.5 s) and ended at about 5.2 s.
        assertThat(took).isLessThan(overall.plusMillis(900));
    }
}
