package io.azurekura.connector.dps.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.ProvisioningEvent;
import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.dps.store.AssignmentStore;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.GlobalEndpoint;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.dps.DpsEndpoint;
import io.azurekura.connector.testsupport.dps.DpsFault;
import io.azurekura.connector.testsupport.dps.DpsRequest;
import io.azurekura.connector.testsupport.dps.RegistrationOutcome;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * The provisioning policy end to end: token source (a fake cache signing like the token server), the real REST
 * client over HTTPS, the DPS emulator, the file store. Time is virtual and shared with the emulator, so waits are
 * exact and instant and the emulator's polling limit judges the waits the provisioner really made.
 */
class DpsProvisioningServiceTest {

    static final String SCOPE = "0ne00DPS001";
    static final String DEVICE = "gateway-7";
    static final String HUB_A = "hub-a.azure-devices.net";
    static final String HUB_B = "hub-b.azure-devices.net";
    static final Duration OVERALL = Duration.ofSeconds(120);
    /** Real-time delay before a failed registration is retried: far beyond any test, so one attempt is observed. */
    static final Duration NO_RETRY_DURING_TEST = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    final VirtualTime time = new VirtualTime(Instant.now());
    final String key = SasSigner.newKey();
    final List<DpsProvisioningService> services = new ArrayList<>();
    DpsEmulator dps;
    FakeTokenCache cache;

    @BeforeEach
    void start() {
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub(HUB_A).pollsBeforeAssigned(2)
                .retryAfterSeconds(3).clock(this.time.asJavaClock()).responsePayload("{\"tier\":\"gold\"}").start();
        this.dps.enrollIndividual(DEVICE, this.key);
        this.cache = new FakeTokenCache(this.time::now, this.key);
    }

    @AfterEach
    void stop() {
        this.services.forEach(DpsProvisioningService::close);
        this.dps.close();
    }

    ProvisioningSettings.Builder settings() {
        return settings(SCOPE, DEVICE);
    }

    ProvisioningSettings.Builder settings(String idScope, String registrationId) {
        return ProvisioningSettings.builder(idScope, registrationId).payloadJson("{\"model\":\"kura-gw\"}")
                .overallTimeout(OVERALL).retry(NO_RETRY_DURING_TEST, Duration.ofMinutes(30));
    }

    Path savedFile() {
        return this.dir.resolve("dps").resolve("assignment.json");
    }

    DpsProvisioningService service(ProvisioningSettings settings) {
        return service(settings, this.time, this.time);
    }

    DpsProvisioningService service(ProvisioningSettings settings, Clock clock, Sleeper sleeper) {
        DpsRegistrationClient client = new DpsRegistrationClient(
                GlobalEndpoint.parse("127.0.0.1:" + this.dps.port(), false), "2021-06-01",
                TestPki.shared().clientSslContext(), Duration.ofSeconds(5), 65_536);
        DpsProvisioningService service = new DpsProvisioningService(settings, this.cache, client,
                new AssignmentStore(savedFile()), clock, sleeper, () -> 0.5);
        this.services.add(service);
        return service;
    }

    static ProvisioningStatus settle(DpsProvisioningService service) {
        service.start();
        return awaitSettled(service);
    }

    static ProvisioningStatus awaitSettled(DpsProvisioningService service) {
        await().atMost(Duration.ofSeconds(20)).until(() -> service.status().state() == ProvisioningState.ASSIGNED
                || service.status().state() == ProvisioningState.FAILED);
        return service.status();
    }

    @Test
    void registersPollsAndIsAssigned() throws Exception {
        DpsProvisioningService service = service(settings().build());
        List<ProvisioningEvent> events = new CopyOnWriteArrayList<>();
        service.addListener(events::add);

        service.start();
        assertThat(service.awaitAssignment(Duration.ofSeconds(20))).isTrue();

        Assignment assignment = service.assignment().orElseThrow();
        assertThat(assignment.assignedHub()).isEqualTo(HUB_A);
        assertThat(assignment.deviceId()).isEqualTo(DEVICE);
        assertThat(assignment.substatus()).hasValue("initialAssignment");
        assertThat(assignment.payload()).hasValue("{\"tier\":\"gold\"}");
        assertThat(assignment.idScope()).isEqualTo(SCOPE);
        assertThat(assignment.registrationId()).isEqualTo(DEVICE);
        ProvisioningStatus status = service.status();
        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(status.isFromSavedAssignment()).isFalse();
        assertThat(status.dpsCalls()).isEqualTo(4);
        assertThat(status.lastFailure()).isEmpty();
        // Listeners hear of it just after it becomes visible.
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
        assertThat(events).extracting(ProvisioningEvent::type).containsExactly(ProvisioningEvent.Type.ASSIGNED);
        assertThat(events.get(0).status().assignment()).hasValue(assignment);

        // Register once, poll until assigned, each poll after Retry-After (3 s).
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(1);
        assertThat(this.dps.counters(DEVICE).operationPolls()).isEqualTo(3);
        assertThat(this.time.sleeps()).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3),
                Duration.ofSeconds(3));
        assertThat(this.dps.pollLimitViolations()).isZero();
        assertThat(this.dps.lastRequestPayload(DEVICE)).isEqualTo("{\"model\":\"kura-gw\"}");
        // The wire format DPS expects, with the token from the cache.
        assertThat(this.dps.requestLog()).allSatisfy(request -> {
            assertThat(request.apiVersion()).isEqualTo("2021-06-01");
            assertThat(request.tokenVerdict()).isEqualTo(SasVerifier.Verdict.OK);
            assertThat(request.accept()).isEqualTo("application/json");
            assertThat(request.userAgent()).isEqualTo(DpsRegistrationClient.USER_AGENT);
            assertThat(SasVerifier.parse(request.authorization()).keyName).isEqualTo("registration");
        });
        assertThat(this.dps.requestLog().get(0).contentType()).isEqualTo("application/json; charset=utf-8");
        // The registration token handle is released once registered: the cache stops renewing DPS tokens.
        assertThat(this.cache.tracks()).isEqualTo(1);
        assertThat(this.cache.openHandles()).isZero();

        // Saved atomically, owner-only, without any token material.
        String saved = Files.readString(savedFile(), StandardCharsets.UTF_8);
        assertThat(saved).contains(HUB_A, DEVICE, SCOPE).doesNotContain("sig=", "SharedAccessSignature",
                this.key);
        if (Files.getFileStore(savedFile()).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(savedFile())))
                    .isEqualTo("rw-------");
        }
        try (Stream<Path> files = Files.list(savedFile().getParent())) {
            assertThat(files).containsExactly(savedFile());
        }
    }

    @Test
    void restartReusesTheSavedAssignmentWithZeroDpsCalls() {
        settle(service(settings().build()));
        long callsBefore = this.dps.totalRequests();
        int tracksBefore = this.cache.tracks();

        DpsProvisioningService restarted = service(settings().build());
        ProvisioningStatus status = settle(restarted);

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(status.isFromSavedAssignment()).isTrue();
        assertThat(status.assignedHub()).hasValue(HUB_A);
        assertThat(status.dpsCalls()).isZero();
        assertThat(this.dps.totalRequests()).isEqualTo(callsBefore);
        assertThat(this.cache.tracks()).as("not even a token is needed").isEqualTo(tracksBefore);
    }

    @Test
    void aChangedRegistrationIdDiscardsTheSavedAssignment() throws Exception {
        String groupKey = SasSigner.newKey();
        this.dps.enrollGroup("line-1", groupKey);
        this.cache = new FakeTokenCache(this.time::now, groupKey).derivingDeviceKeys();
        settle(service(settings(SCOPE, "sensor-1").build()));
        assertThat(Files.readString(savedFile())).contains("sensor-1");

        ProvisioningStatus status = settle(service(settings(SCOPE, "sensor-2").build()));

        assertThat(status.isFromSavedAssignment()).isFalse();
        assertThat(status.assignment().orElseThrow().deviceId()).isEqualTo("sensor-2");
        assertThat(this.dps.counters("sensor-2").registerRequests()).isEqualTo(1);
        assertThat(Files.readString(savedFile())).contains("sensor-2").doesNotContain("sensor-1");
    }

    @Test
    void aChangedIdScopeDiscardsTheSavedAssignment() throws Exception {
        settle(service(settings().build()));
        this.dps.close();
        this.dps = DpsEmulator.builder().idScope("0ne00DPS002").assignedHub(HUB_B).clock(this.time.asJavaClock())
                .start();
        this.dps.enrollIndividual(DEVICE, this.key);

        ProvisioningStatus status = settle(service(settings("0ne00DPS002", DEVICE).build()));

        assertThat(status.isFromSavedAssignment()).isFalse();
        assertThat(status.assignedHub()).hasValue(HUB_B);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(1);
        assertThat(Files.readString(savedFile())).contains("0ne00DPS002", HUB_B);
    }

    @Test
    void alwaysOnStartupRegistersDespiteASavedAssignment() {
        settle(service(settings().build()));
        this.dps.reassign(DEVICE, HUB_B);

        ProvisioningStatus status = settle(service(settings().reprovisionPolicy(ReprovisionPolicy.ALWAYS_ON_STARTUP)
                .build()));

        assertThat(status.isFromSavedAssignment()).isFalse();
        assertThat(status.assignedHub()).hasValue(HUB_B);
        assertThat(status.assignment().orElseThrow().substatus()).hasValue("deviceDataMigrated");
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(2);
    }

    @Test
    void throttledRegistrationsWaitRetryAfter() {
        this.dps.inject(DpsFault.throttle(DpsEndpoint.REGISTER, 5).times(3));

        ProvisioningStatus status = settle(service(settings().build()));

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(4);
        // The backoff (2, 3, 5 s with this jitter) is raised to Retry-After wherever it is shorter.
        assertThat(this.time.sleeps().subList(0, 3)).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        assertThat(status.dpsCalls()).isEqualTo(4 + 3);
    }

    @Test
    void throttledRegistrationsWithoutRetryAfterBackOffExponentially() {
        this.dps.inject(DpsFault.throttle(DpsEndpoint.REGISTER, null).times(4));

        ProvisioningStatus status = settle(service(settings().build()));

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        // initial 2 s, ceiling doubling per retry, jitter at the midpoint: 2, 2+0.5*2, 2+0.5*6, 2+0.5*14.
        assertThat(this.time.sleeps().subList(0, 4)).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(5), Duration.ofSeconds(9));
    }

    @Test
    void throttledPollsWaitRetryAfterAndStayUnderThePollingLimit() {
        this.dps.inject(DpsFault.throttle(DpsEndpoint.OPERATION_STATUS, 4).times(3));

        ProvisioningStatus status = settle(service(settings().build()));

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(this.dps.counters(DEVICE).registerRequests()).as("a throttled poll does not re-register")
                .isEqualTo(1);
        assertThat(this.dps.counters(DEVICE).operationPolls()).isEqualTo(3 + 3);
        assertThat(this.time.sleeps()).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(4),
                Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofSeconds(3));
        assertThat(this.dps.pollLimitViolations()).isZero();
    }

    @Test
    void anEndlessThrottlingStormEndsClassifiedWithFewRequests() {
        this.dps.inject(DpsFault.throttle(DpsEndpoint.REGISTER, 2).times(Integer.MAX_VALUE));

        ProvisioningStatus status = settle(service(settings().build()));

        assertThat(status.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(status.lastFailure()).hasValue(ProvisioningFailure.THROTTLED);
        assertThat(status.httpStatus()).hasValue(429);
        assertThat(status.dpsErrorCode()).hasValue(429001);
        // Backoff 2, 3, 5, 9, 17, 31, 31 s (ceiling capped at 60 s, jitter at the midpoint) = 98 s; the next
        // wait would pass the 120 s timeout, so 8 requests in all instead of one every Retry-After (60).
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(8);
        assertThat(this.time.sleeps()).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(5), Duration.ofSeconds(9), Duration.ofSeconds(17), Duration.ofSeconds(31),
                Duration.ofSeconds(31));
        assertThat(this.time.elapsed()).isLessThan(OVERALL);
        assertThat(status.nextAttemptAt()).isPresent();
    }

    @Test
    void shortRetryAfterNeverTripsThePollingLimit() {
        this.dps.setOutcome(DEVICE, RegistrationOutcome.assigningForever());
        this.dps.setRetryAfterSeconds(1);

        ProvisioningStatus status = settle(service(settings()
                .pollInterval(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(3)).build()));

        assertThat(status.lastFailure()).hasValue(ProvisioningFailure.TIMEOUT);
        assertThat(this.dps.pollLimitViolations()).isZero();
        long polls = this.dps.counters(DEVICE).operationPolls();
        // Obeying 1 s alone would be ~120 polls; the limit allows 5 per 10 s, i.e. ~60 in 120 s.
        assertThat(polls).isBetween(50L, 60L);
    }

    @Test
    void missingRetryAfterPollsEveryThreeSeconds() {
        this.dps.setRetryAfterSeconds(null);

        ProvisioningStatus status = settle(service(settings().build()));

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(this.time.sleeps()).containsOnly(Duration.ofSeconds(3));
    }

    @Test
    void transientServerErrorsAreRetriedWithinTheAttempt() {
        this.dps.inject(DpsFault.serverError(DpsEndpoint.REGISTER).times(2),
                DpsFault.serverError(DpsEndpoint.OPERATION_STATUS));

        ProvisioningStatus status = settle(service(settings().build()));

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(3);
        assertThat(status.lastFailure()).isEmpty();
    }

    static Stream<Arguments> terminalErrors() {
        return Stream.of(
                Arguments.of("failed", (Consumer<DpsEmulator>) dps -> dps.setOutcome(DEVICE,
                        RegistrationOutcome.failed(400209, "The IoT hub is not reachable.")),
                        ProvisioningFailure.REGISTRATION_FAILED, 200, 400209, "The IoT hub is not reachable."),
                Arguments.of("disabled", (Consumer<DpsEmulator>) dps -> dps.setOutcome(DEVICE,
                        RegistrationOutcome.disabled()), ProvisioningFailure.DEVICE_DISABLED, 200, 401008,
                        "disabled"),
                Arguments.of("400", (Consumer<DpsEmulator>) dps -> dps.inject(DpsFault.httpError(
                        DpsEndpoint.REGISTER, 400, 400004, "Malformed request.")), ProvisioningFailure.BAD_REQUEST,
                        400, 400004, "Malformed request."),
                Arguments.of("404 enrollment", (Consumer<DpsEmulator>) dps -> dps.inject(DpsFault.httpError(
                        DpsEndpoint.REGISTER, 404, 404201, "Enrollment not found.")), ProvisioningFailure.NOT_FOUND,
                        404, 404201, "Enrollment not found."),
                Arguments.of("404 operation", (Consumer<DpsEmulator>) dps -> dps.inject(DpsFault.httpError(
                        DpsEndpoint.OPERATION_STATUS, 404, 404203, "Operation not found.")),
                        ProvisioningFailure.NOT_FOUND, 404, 404203, "Operation not found."),
                Arguments.of("401 twice", (Consumer<DpsEmulator>) dps -> dps.inject(DpsFault.unauthorized(
                        DpsEndpoint.REGISTER).times(Integer.MAX_VALUE)), ProvisioningFailure.UNAUTHORIZED, 401,
                        401002, "renewed token"),
                Arguments.of("malformed register", (Consumer<DpsEmulator>) dps -> dps.inject(DpsFault.malformedJson(
                        DpsEndpoint.REGISTER)), ProvisioningFailure.MALFORMED_RESPONSE, 202, null, "not valid JSON"),
                Arguments.of("malformed poll", (Consumer<DpsEmulator>) dps -> dps.inject(DpsFault.malformedJson(
                        DpsEndpoint.OPERATION_STATUS)), ProvisioningFailure.MALFORMED_RESPONSE, 200, null,
                        "not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("terminalErrors")
    void eachErrorIsClassified(String name, Consumer<DpsEmulator> fault, ProvisioningFailure expected,
            Integer httpStatus, Integer errorCode, String message) {
        fault.accept(this.dps);
        List<ProvisioningEvent> events = new CopyOnWriteArrayList<>();
        DpsProvisioningService service = service(settings().build());
        service.addListener(events::add);

        ProvisioningStatus status = settle(service);

        assertThat(status.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(status.assignment()).isEmpty();
        assertThat(status.lastFailure()).hasValue(expected);
        assertThat(status.lastError().orElseThrow()).startsWith(expected.name()).contains(message);
        if (errorCode == null) {
            assertThat(status.dpsErrorCode()).isEmpty();
        } else {
            assertThat(status.dpsErrorCode()).hasValue(errorCode);
        }
        assertThat(status.httpStatus()).hasValue(httpStatus);
        assertThat(Files.exists(savedFile())).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
        assertThat(events).extracting(ProvisioningEvent::type).containsExactly(ProvisioningEvent.Type.FAILED);
        // Retrying cannot fix a terminal error: no second registration in the attempt, and the longest wait next.
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(expected
                == ProvisioningFailure.UNAUTHORIZED ? 2 : 1);
        Duration untilNext = Duration.between(status.lastErrorAt().orElseThrow(), status.nextAttemptAt()
                .orElseThrow());
        assertThat(untilNext).isEqualTo(expected.isTerminal() ? Duration.ofMinutes(30) : NO_RETRY_DURING_TEST);
    }

    @Test
    void anUnknownIdScopeIsClassifiedNotFound() {
        ProvisioningStatus status = settle(service(settings("0ne00NOPE01", DEVICE).build()));

        assertThat(status.lastFailure()).hasValue(ProvisioningFailure.NOT_FOUND);
        assertThat(status.dpsErrorCode()).hasValue(404001);
        assertThat(status.dpsCalls()).isEqualTo(1);
    }

    @Test
    void aRefusedTokenIsRenewedOnceAndTheRequestRetried() {
        this.cache = new FakeTokenCache(this.time::now, SasSigner.newKey(), this.key);

        ProvisioningStatus status = settle(service(settings().build()));

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(this.cache.invalidations()).isEqualTo(1);
        assertThat(this.dps.counters(DEVICE).unauthorized()).isEqualTo(1);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(2);
        assertThat(this.dps.requestLog()).extracting(DpsRequest::tokenVerdict).startsWith(
                SasVerifier.Verdict.BAD_SIGNATURE, SasVerifier.Verdict.OK);
    }

    @Test
    void noTokenMeansNoDpsCall() {
        this.cache.makeUnavailable();

        ProvisioningStatus status = settle(service(settings().tokenWait(Duration.ofMillis(50)).build()));

        assertThat(status.lastFailure()).hasValue(ProvisioningFailure.TOKEN_UNAVAILABLE);
        assertThat(status.lastError().orElseThrow()).contains("token server down");
        assertThat(this.dps.totalRequests()).isZero();
    }

    @Test
    void reprovisionsWhenTheHubRefusesTheDevice() throws Exception {
        DpsProvisioningService service = service(settings().build());
        settle(service);
        List<ProvisioningEvent> events = new CopyOnWriteArrayList<>();
        service.addListener(events::add);
        this.dps.reassign(DEVICE, HUB_B);

        assertThat(service.hubAuthenticationFailed("CONNACK 5 not authorized")).isTrue();

        await().atMost(Duration.ofSeconds(20)).until(() -> service.assignment().map(Assignment::assignedHub)
                .filter(HUB_B::equals).isPresent());
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
        assertThat(events).extracting(ProvisioningEvent::type).containsExactly(
                ProvisioningEvent.Type.ASSIGNMENT_DISCARDED, ProvisioningEvent.Type.ASSIGNED);
        assertThat(events.get(0).previous().orElseThrow().assignedHub()).isEqualTo(HUB_A);
        assertThat(service.assignment().orElseThrow().substatus()).hasValue("deviceDataMigrated");
        assertThat(Files.readString(savedFile())).contains(HUB_B).doesNotContain(HUB_A);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(2);

        // A flapping hub connection cannot turn into a registration storm.
        assertThat(service.hubAuthenticationFailed("CONNACK 5 again")).isFalse();
        this.time.advance(Duration.ofMinutes(11));
        assertThat(service.hubAuthenticationFailed("CONNACK 5 later")).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> this.dps.counters(DEVICE).registerRequests() == 3
                && service.status().state() == ProvisioningState.ASSIGNED);
    }

    @Test
    void hubRefusalsAreIgnoredWhenThePolicySaysSo() {
        DpsProvisioningService service = service(settings().reprovisionOnHubAuthFailure(false).build());
        settle(service);
        long calls = this.dps.totalRequests();

        assertThat(service.hubAuthenticationFailed("CONNACK 5")).isFalse();
        assertThat(service.status().state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(this.dps.totalRequests()).isEqualTo(calls);
    }

    @Test
    void anExplicitReprovisionRegistersAgain() {
        DpsProvisioningService service = service(settings().build());
        settle(service);
        assertThat(service.status().dpsCalls()).isEqualTo(4);

        service.reprovision("operator request");

        await().atMost(Duration.ofSeconds(20)).until(() -> service.status().dpsCalls() == 8
                && service.status().state() == ProvisioningState.ASSIGNED);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(2);
    }

    @Test
    void aCorruptedSavedFileIsLoggedDiscardedAndReRegistered() throws Exception {
        Files.createDirectories(savedFile().getParent());
        Files.writeString(savedFile(), "{\"formatVersion\":1,\"idScope\":\"0ne00DPS0");
        try (CapturedLogs logs = new CapturedLogs()) {
            ProvisioningStatus status = settle(service(settings().build()));

            assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
            assertThat(status.isFromSavedAssignment()).isFalse();
            assertThat(logs.lines()).anySatisfy(line -> assertThat(line).contains("WARNING")
                    .contains("unusable").contains(savedFile().toString()));
        }
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(1);
        assertThat(new AssignmentStore(savedFile()).load().assignment().assignedHub()).isEqualTo(HUB_A);
    }

    @Test
    void aStatusLookupFindsAnExistingRegistrationWithoutRegistering() throws Exception {
        settle(service(settings().build()));
        Files.delete(savedFile());
        this.dps.resetCounters();

        ProvisioningStatus status = settle(service(settings().lookupBeforeRegister(true).build()));

        assertThat(status.assignedHub()).hasValue(HUB_A);
        assertThat(this.dps.requests(DpsEndpoint.STATUS_LOOKUP)).isEqualTo(1);
        assertThat(this.dps.requests(DpsEndpoint.REGISTER)).isZero();
        assertThat(Files.exists(savedFile())).isTrue();
    }

    @Test
    void aStatusLookupWithoutRegistrationFallsBackToRegistering() {
        ProvisioningStatus status = settle(service(settings().lookupBeforeRegister(true).build()));

        assertThat(status.assignedHub()).hasValue(HUB_A);
        assertThat(this.dps.requests(DpsEndpoint.STATUS_LOOKUP)).isEqualTo(1);
        assertThat(this.dps.requests(DpsEndpoint.REGISTER)).isEqualTo(1);
    }

    @Test
    void closeStopsARunningRegistrationPromptly() {
        this.dps.close();
        this.dps = DpsEmulator.builder().idScope(SCOPE).retryAfterSeconds(2).start();
        this.dps.enrollIndividual(DEVICE, this.key);
        this.dps.setOutcome(DEVICE, RegistrationOutcome.assigningForever());
        this.cache = new FakeTokenCache(Instant::now, this.key);
        DpsProvisioningService service = service(settings().build(), Clock.SYSTEM, Sleeper.SYSTEM);
        service.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> this.dps.counters(DEVICE).operationPolls() >= 1);

        long started = System.nanoTime();
        service.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(service.status().state()).isEqualTo(ProvisioningState.REGISTERING);
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("azure-sts-connector-dps-")));
        assertThat(this.cache.openHandles()).isZero();
    }
}
