package io.azurekura.connector.dps.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.gson.JsonObject;

import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.dps.provisioning.DpsProvisioningService;
import io.azurekura.connector.dps.provisioning.FakeTokenCache;
import io.azurekura.connector.dps.provisioning.HubHostRule;
import io.azurekura.connector.dps.provisioning.ProvisioningSettings;
import io.azurekura.connector.dps.provisioning.Sleeper;
import io.azurekura.connector.dps.provisioning.VirtualTime;
import io.azurekura.connector.dps.store.AssignmentStore;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.GlobalEndpoint;
import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.dps.DpsEndpoint;
import io.azurekura.connector.testsupport.dps.DpsFault;
import io.azurekura.connector.testsupport.dps.RegistrationOutcome;
import io.azurekura.connector.testsupport.hostile.HostileInputReport;
import io.azurekura.connector.testsupport.logging.CapturedLogs;
import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * Hostile inputs to the DPS provisioner, one per invocation: forged and broken DPS answers, error storms and slow
 * answers, tampered saved assignment files, and configuration values Kura's UI would have refused. Each case asserts
 * the classified outcome, its bound (time, bytes, DPS calls) and that no token or signature reached any log line,
 * and that no line of ours was forged by a control character from outside.
 */
@ExtendWith(HostileInputReport.class)
class DpsProvisionerHostileInputTest {

    static final String SCOPE = "0ne00HOST11";
    static final String DEVICE = "hostile-gw-1";
    static final String HUB = "localhost";
    static final Map<String, String> JSON = Map.of("Content-Type", "application/json");
    /** The bound on one registration in virtual time. */
    static final Duration OVERALL = Duration.ofSeconds(120);
    /** Real-time delay before a failed registration is retried: beyond any case, so exactly one attempt is seen. */
    static final Duration NO_RETRY_DURING_TEST = Duration.ofMinutes(10);
    static final int RESPONSE_CAP = 65_536;

    @TempDir
    Path dir;

    final VirtualTime time = new VirtualTime(Instant.now());
    final String groupKey = SasSigner.newKey();
    final List<DpsProvisioningService> services = new ArrayList<>();
    DpsEmulator dps;
    FakeTokenCache cache;
    CapturedLogs logs;
    DpsProvisionerComponent component;

    @BeforeEach
    void start() {
        this.logs = new CapturedLogs();
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub(HUB).pollsBeforeAssigned(1).retryAfterSeconds(2)
                .clock(this.time.asJavaClock()).start();
        this.dps.enrollGroup("all", this.groupKey);
        this.cache = new FakeTokenCache(this.time::now, this.groupKey).derivingDeviceKeys();
    }

    @AfterEach
    void stop() {
        if (this.component != null) {
            this.component.deactivate();
        }
        this.services.forEach(DpsProvisioningService::close);
        this.dps.close();
        this.logs.close();
    }

    Path savedFile() {
        return this.dir.resolve("dps").resolve("assignment.json");
    }

    ProvisioningSettings.Builder settings() {
        return ProvisioningSettings.builder(SCOPE, DEVICE).overallTimeout(OVERALL)
                .retry(NO_RETRY_DURING_TEST, Duration.ofMinutes(30))
                .hubRule(new HubHostRule(List.of(HUB), false));
    }

    DpsProvisioningService service(ProvisioningSettings settings, Clock clock, Sleeper sleeper,
            Duration requestTimeout) {
        DpsRegistrationClient client = new DpsRegistrationClient(
                GlobalEndpoint.parse("127.0.0.1:" + this.dps.port(), false), "2021-06-01",
                TestPki.shared().clientSslContext(), requestTimeout, RESPONSE_CAP);
        DpsProvisioningService service = new DpsProvisioningService(settings, this.cache, client,
                new AssignmentStore(savedFile()), clock, sleeper, () -> 0.5);
        this.services.add(service);
        return service;
    }

    ProvisioningStatus settle(DpsProvisioningService service) {
        service.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> service.status().state() == ProvisioningState.ASSIGNED
                || service.status().state() == ProvisioningState.FAILED);
        return service.status();
    }

    /** No token or signature in any captured line, and no line of ours carrying a control character from outside. */
    void assertLogsClean() {
        List<String> secrets = new ArrayList<>();
        for (String token : this.cache.issuedTokens()) {
            secrets.add(token);
            secrets.add(SasVerifier.parse(token).signature);
        }
        assertThat(this.logs.leakedSecrets(secrets.toArray(String[]::new))).isEmpty();
        for (String entry : this.logs.lines()) {
            int firstBreak = entry.indexOf('\n');
            if (!entry.substring(0, Math.max(0, firstBreak)).contains(" io.azurekura.connector.dps.")) {
                continue;
            }
            String message = entry.substring(firstBreak + 1, entry.length() - 1);
            assertThat(message).as("a log line of ours").doesNotContain("\n", "\r", "\u2028", "\u2029", "\u0085");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Hostile DPS answers (virtual time, real HTTPS)

    static String assigned(String hub, String deviceId) {
        JsonObject state = new JsonObject();
        state.addProperty("registrationId", DEVICE);
        state.addProperty("status", "assigned");
        state.addProperty("assignedHub", hub);
        state.addProperty("deviceId", deviceId);
        JsonObject body = new JsonObject();
        body.addProperty("operationId", "5.abc");
        body.addProperty("status", "assigned");
        body.add("registrationState", state);
        return body.toString();
    }

    static DpsFault register(int status, String body) {
        return DpsFault.rawAnswer(DpsEndpoint.REGISTER, status, JSON, body);
    }

    static DpsFault register(int status, Map<String, String> headers, String body) {
        Map<String, String> all = new HashMap<>(JSON);
        all.putAll(headers);
        return DpsFault.rawAnswer(DpsEndpoint.REGISTER, status, all, body);
    }

    static DpsFault polls(int status, Map<String, String> headers, String body) {
        Map<String, String> all = new HashMap<>(JSON);
        all.putAll(headers);
        return DpsFault.rawAnswer(DpsEndpoint.OPERATION_STATUS, status, all, body).times(Integer.MAX_VALUE);
    }

    static final String ASSIGNING = "{\"operationId\":\"5.abc\",\"status\":\"assigning\"}";

    static Arguments answer(String name, ProvisioningFailure expected, int maxCalls, DpsFault... faults) {
        return Arguments.of(name, expected, maxCalls, faults);
    }

    static Stream<Arguments> hostileAnswers() {
        String longHost = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63) + "."
                + "localhost";
        return Stream.of(
                answer("hub not allow-listed", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("attacker.example.net", DEVICE))),
                answer("hub with impossible port", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("127.0.0.1:99999", DEVICE))),
                answer("hub with port, path, query, fragment", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("host:1/x?y=1#frag", DEVICE))),
                answer("allowed hub with a port", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("localhost:8883", DEVICE))),
                answer("hub with user info", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("user@localhost", DEVICE))),
                answer("IPv4 literal hub", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("127.0.0.1", DEVICE))),
                answer("IPv6 literal hub", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("[::1]", DEVICE))),
                answer("suffix without a label boundary", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("evillocalhost", DEVICE))),
                answer("allowed name as a prefix", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("localhost.attacker.net", DEVICE))),
                answer("real Azure suffix not on this allow-list", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("hub.azure-devices.cn", DEVICE))),
                answer("hub with CR/LF", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("localhost\r\nWARNING: FORGED line", DEVICE))),
                answer("hub longer than DNS allows", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned(longHost, DEVICE))),
                answer("hub with a trailing dot", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned("localhost.", DEVICE))),
                answer("device id with CR/LF", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned(HUB, "gw\r\nWARNING: FORGED line"))),
                answer("device id with U+2028", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned(HUB, "gw\u2028WARNING: FORGED line"))),
                answer("device id of 129 characters", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned(HUB, "d".repeat(129)))),
                answer("device id '..'", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned(HUB, ".."))),
                answer("device id with a slash", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned(HUB, "gw/../other"))),
                answer("another registration's result", ProvisioningFailure.ASSIGNMENT_REFUSED, 1,
                        register(200, assigned(HUB, DEVICE).replace("\"registrationId\":\"" + DEVICE,
                                "\"registrationId\":\"someone-else"))),
                answer("huge body", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(200, "{\"operationId\":\"" + "x".repeat(200_000) + "\"}")),
                answer("not JSON", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "<html>gateway timeout</html>")),
                answer("JSON array", ProvisioningFailure.MALFORMED_RESPONSE, 1, register(202, "[1,2]")),
                answer("status is a number", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "{\"operationId\":\"5.abc\",\"status\":7}")),
                answer("hub is an object", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(200, "{\"operationId\":\"5.abc\",\"status\":\"assigned\",\"registrationState\":"
                                + "{\"assignedHub\":{\"h\":1},\"deviceId\":\"d\"}}")),
                answer("registrationState is a string", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(200, "{\"operationId\":\"5.abc\",\"status\":\"assigned\","
                                + "\"registrationState\":\"x\"}")),
                answer("assigned without registrationState", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(200, "{\"operationId\":\"5.abc\",\"status\":\"assigned\"}")),
                answer("no status", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "{\"operationId\":\"5.abc\"}")),
                answer("unknown status with U+2028", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "{\"operationId\":\"5.abc\",\"status\":\"x\u2028WARNING: FORGED line\"}")),
                answer("operation id '..'", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "{\"operationId\":\"..\",\"status\":\"assigning\"}")),
                answer("operation id with slashes", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "{\"operationId\":\"../../x/y\",\"status\":\"assigning\"}")),
                answer("operation id with a query", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "{\"operationId\":\"5.a?api-version=1\",\"status\":\"assigning\"}")),
                answer("operation id of 300 characters", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(202, "{\"operationId\":\"" + "5".repeat(300) + "\",\"status\":\"assigning\"}")),
                answer("redirect", ProvisioningFailure.MALFORMED_RESPONSE, 1,
                        register(302, Map.of("Location", "https://attacker.example.net/"), "")),
                answer("error text with CR/LF and an echoed token", ProvisioningFailure.BAD_REQUEST, 1,
                        register(400, "{\"errorCode\":400004,\"message\":\"bad\\r\\nWARNING: FORGED line "
                                + "SharedAccessSignature sr=x&sig=c2VjcmV0c2lnbmF0dXJl&se=1\",\"trackingId\":"
                                + "\"t\\u2028FORGED line\"}")),
                answer("failed with CR/LF in errorMessage", ProvisioningFailure.REGISTRATION_FAILED, 1,
                        register(200, "{\"operationId\":\"5.abc\",\"status\":\"failed\",\"registrationState\":"
                                + "{\"status\":\"failed\",\"errorCode\":400209,\"errorMessage\":\"x\\r\\n"
                                + "WARNING: FORGED line\"}}")),
                answer("401 storm", ProvisioningFailure.UNAUTHORIZED, 2,
                        DpsFault.unauthorized(DpsEndpoint.REGISTER).times(Integer.MAX_VALUE)),
                answer("403 storm", ProvisioningFailure.UNAUTHORIZED, 2,
                        DpsFault.httpError(DpsEndpoint.REGISTER, 403, 403000, "Forbidden").times(Integer.MAX_VALUE)),
                answer("429 storm without Retry-After", ProvisioningFailure.THROTTLED, 8,
                        DpsFault.throttle(DpsEndpoint.REGISTER, null).times(Integer.MAX_VALUE)),
                answer("429 asking for a day", ProvisioningFailure.THROTTLED, 1,
                        DpsFault.throttle(DpsEndpoint.REGISTER, 86_400).times(Integer.MAX_VALUE)),
                answer("500 storm", ProvisioningFailure.SERVER_ERROR, 8,
                        DpsFault.serverError(DpsEndpoint.REGISTER).times(Integer.MAX_VALUE)),
                answer("503 with a Retry-After of a year", ProvisioningFailure.SERVER_ERROR, 1,
                        register(503, Map.of("Retry-After", "31536000"), "{}")),
                answer("poll storm of 500", ProvisioningFailure.SERVER_ERROR, 9,
                        register(202, ASSIGNING), polls(500, Map.of(), "{}")),
                answer("endless assigning", ProvisioningFailure.TIMEOUT, 61,
                        register(202, ASSIGNING), polls(202, Map.of(), ASSIGNING)),
                answer("endless assigning, Retry-After 0", ProvisioningFailure.TIMEOUT, 61,
                        register(202, Map.of("Retry-After", "0"), ASSIGNING),
                        polls(202, Map.of("Retry-After", "0"), ASSIGNING)),
                answer("endless assigning, Retry-After not a number", ProvisioningFailure.TIMEOUT, 61,
                        register(202, Map.of("Retry-After", "soon\u0085"), ASSIGNING),
                        polls(202, Map.of("Retry-After", "-3"), ASSIGNING)),
                answer("endless assigning, Retry-After of a year", ProvisioningFailure.TIMEOUT, 61,
                        register(202, Map.of("Retry-After", "31536000"), ASSIGNING),
                        polls(202, Map.of("Retry-After", "99999999999"), ASSIGNING)));
    }

    @ParameterizedTest(name = "DPS answer: {0}")
    @MethodSource("hostileAnswers")
    void hostileDpsAnswersAreClassifiedBoundedAndNeverSaved(String name, ProvisioningFailure expected, int maxCalls,
            DpsFault[] faults) {
        this.dps.inject(faults);
        DpsProvisioningService service = service(settings().build(), this.time, this.time, Duration.ofSeconds(5));

        ProvisioningStatus status = settle(service);

        assertThat(status.state()).isEqualTo(ProvisioningState.FAILED);
        assertThat(status.lastFailure()).hasValue(expected);
        assertThat(status.assignment()).isEmpty();
        assertThat(Files.exists(savedFile())).as("nothing saved").isFalse();
        // Bounds: DPS calls, time (virtual), DPS's polling limit, one attempt only.
        assertThat(this.dps.totalRequests()).isBetween(1L, (long) maxCalls);
        assertThat(this.time.elapsed()).isLessThanOrEqualTo(OVERALL);
        assertThat(this.dps.pollLimitViolations()).isZero();
        assertThat(status.nextAttemptAt()).isPresent();
        assertThat(status.lastError().orElseThrow()).doesNotContain("\n", "\r", "\u2028", "\u0085")
                .doesNotContain("c2VjcmV0c2lnbmF0dXJl");
        assertLogsClean();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Slow DPS: no request outlives the overall deadline (real time)

    static Stream<Arguments> slowAnswers() {
        return Stream.of(Arguments.of("register never answered", DpsEndpoint.REGISTER),
                Arguments.of("poll never answered", DpsEndpoint.OPERATION_STATUS));
    }

    @ParameterizedTest(name = "deadline: {0}")
    @MethodSource("slowAnswers")
    void aSlowDpsNeverStretchesTheOverallTimeout(String name, DpsEndpoint slow) {
        this.dps.setRetryAfterSeconds(1);
        this.dps.inject(DpsFault.delayed(slow, Duration.ofSeconds(60)).times(Integer.MAX_VALUE));
        this.cache = new FakeTokenCache(Instant::now, this.groupKey).derivingDeviceKeys();
        Duration overall = Duration.ofSeconds(3);
        DpsProvisioningService service = service(settings().overallTimeout(overall)
                .pollInterval(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMillis(100))
                .requestBackoff(Duration.ofMillis(200), Duration.ofMillis(400)).build(), Clock.SYSTEM,
                Sleeper.SYSTEM, Duration.ofMillis(2500));

        long started = System.nanoTime();
        ProvisioningStatus status = settle(service);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(status.lastFailure()).hasValue(ProvisioningFailure.TIMEOUT);
        assertThat(took).isLessThan(overall.plusMillis(900));
        assertThat(this.dps.totalRequests()).isLessThanOrEqualTo(4);
        assertLogsClean();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tampered saved assignment files: ignored, the device registers afresh and the file is replaced

    static void writeJson(Path file, String idScope, String hub, String deviceId) throws Exception {
        JsonObject json = new JsonObject();
        json.addProperty("formatVersion", 1);
        json.addProperty("idScope", idScope);
        json.addProperty("registrationId", DEVICE);
        json.addProperty("assignedHub", hub);
        json.addProperty("deviceId", deviceId);
        json.addProperty("assignedAt", "2030-01-01T00:00:00Z");
        writeOwnerOnly(file, json.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void writeOwnerOnly(Path file, byte[] bytes) throws Exception {
        Files.write(file, bytes);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    static void saveValid(Path file) throws Exception {
        new AssignmentStore(file).save(new Assignment(SCOPE, DEVICE, HUB, DEVICE, null, null, Instant.now()));
    }

    static Arguments tampered(String name, String expectedLog, FileTampering tampering) {
        return Arguments.of(name, expectedLog, tampering);
    }

    @FunctionalInterface
    interface FileTampering {
        void apply(Path file) throws Exception;
    }

    static Stream<Arguments> tamperedFiles() {
        return Stream.of(
                tampered("symlink to /dev/zero", "symbolic link",
                        file -> Files.createSymbolicLink(file, Path.of("/dev/zero"))),
                tampered("symlink to a valid file in the same directory", "symbolic link", file -> {
                    Path real = file.resolveSibling("real.json");
                    saveValid(real);
                    Files.createSymbolicLink(file, real);
                }),
                tampered("FIFO", "not a regular file", file -> {
                    assertThat(new ProcessBuilder("mkfifo", file.toString()).start().waitFor()).isZero();
                }),
                tampered("directory", "not a regular file", Files::createDirectory),
                tampered("huge file", "larger than", file -> {
                    byte[] bytes = new byte[1_000_000];
                    java.util.Arrays.fill(bytes, (byte) ' ');
                    bytes[0] = '{';
                    bytes[bytes.length - 1] = '}';
                    writeOwnerOnly(file, bytes);
                }),
                tampered("group-writable", "writable by group or others", file -> {
                    saveValid(file);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
                }),
                tampered("world-writable", "writable by group or others", file -> {
                    saveValid(file);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
                }),
                tampered("owned by another user", "owned by another user", file -> {
                    saveValid(file);
                    Files.setAttribute(file, "unix:uid", 4242);
                }),
                tampered("truncated JSON", "not a valid assignment file",
                        file -> writeOwnerOnly(file, "{\"formatVersion\":1,\"idScope\":\"0ne".getBytes())),
                tampered("not UTF-8", "not UTF-8", file -> writeOwnerOnly(file, new byte[] { '{', (byte) 0xC3,
                        (byte) 0x28, '}' })),
                tampered("wrong ID scope", "ID scope", file -> writeJson(file, "0ne00OTHER1", HUB, DEVICE)),
                tampered("foreign hub", "not under an allowed hub",
                        file -> writeJson(file, SCOPE, "attacker.example.net", DEVICE)),
                tampered("hub with a port and path", "not a DNS host name",
                        file -> writeJson(file, SCOPE, "localhost:1/x?y", DEVICE)),
                tampered("device id with CR/LF", "device id",
                        file -> writeJson(file, SCOPE, HUB, "gw\r\nWARNING: FORGED line")),
                tampered("device id '..'", "device id", file -> writeJson(file, SCOPE, HUB, "..")),
                tampered("hub of the wrong JSON type", "not a valid assignment file", file -> writeOwnerOnly(file,
                        ("{\"formatVersion\":1,\"idScope\":\"" + SCOPE + "\",\"registrationId\":\"" + DEVICE
                                + "\",\"assignedHub\":[1],\"deviceId\":\"d\",\"assignedAt\":\"2030-01-01T00:00:00Z\"}")
                                .getBytes())));
    }

    @ParameterizedTest(name = "saved file: {0}")
    @MethodSource("tamperedFiles")
    void aTamperedSavedFileIsIgnoredAndReplaced(String name, String expectedLog, FileTampering tampering)
            throws Exception {
        Files.createDirectories(savedFile().getParent());
        Files.setPosixFilePermissions(savedFile().getParent(), PosixFilePermissions.fromString("rwx------"));
        tampering.apply(savedFile());

        ProvisioningStatus status = settle(service(settings().build(), this.time, this.time, Duration.ofSeconds(5)));

        assertThat(status.state()).isEqualTo(ProvisioningState.ASSIGNED);
        assertThat(status.isFromSavedAssignment()).isFalse();
        assertThat(status.assignedHub()).hasValue(HUB);
        assertThat(this.dps.counters(DEVICE).registerRequests()).isEqualTo(1);
        assertThat(this.logs.linesContaining(expectedLog)).as("the refusal is logged").isNotEmpty();
        // The replacement is a regular owner-only file with the new assignment.
        assertThat(Files.isSymbolicLink(savedFile())).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(savedFile()))).isEqualTo("rw-------");
        assertThat(new AssignmentStore(savedFile()).load().assignment().assignedHub()).isEqualTo(HUB);
        assertLogsClean();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Configuration values Kura's UI would refuse (written through REST, snapshots or cloud)

    Map<String, Object> configuration() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("kura.service.pid", "dps-hostile");
        props.put("dps.id.scope", SCOPE);
        props.put("dps.registration.id", DEVICE);
        props.put("dps.global.endpoint", "localhost:" + this.dps.port());
        props.put("dps.assignment.directory", this.dir.toString());
        props.put("dps.hub.allowed.suffixes", HUB);
        props.put("dps.poll.interval.min.seconds", 1);
        return props;
    }

    static Arguments config(String name, String key, Object value, ProvisioningState expected) {
        return Arguments.of(name, key, value, expected);
    }

    static Stream<Arguments> badConfigurations() {
        return Stream.of(
                config("poll interval not a number", "dps.poll.interval.min.seconds", "abc",
                        ProvisioningState.ASSIGNED),
                config("negative overall timeout", "dps.timeout.overall.seconds", -5, ProvisioningState.ASSIGNED),
                config("request timeout beyond a long", "dps.request.timeout.seconds", "99999999999999999999",
                        ProvisioningState.ASSIGNED),
                config("policy with CR/LF", "dps.reprovision.policy", "SOMETIMES\r\nWARNING: FORGED line",
                        ProvisioningState.ASSIGNED),
                config("boolean that is not", "dps.allow.insecure.http", "maybe", ProvisioningState.ASSIGNED),
                config("IP literal switch that is not a boolean", "dps.hub.allow.ip.literals", "yes",
                        ProvisioningState.ASSIGNED),
                config("allow-list with a bad entry", "dps.hub.allowed.suffixes", "bad host/x?\u2028, localhost",
                        ProvisioningState.ASSIGNED),
                config("allow-list with nothing valid", "dps.hub.allowed.suffixes", ":::,/",
                        ProvisioningState.FAILED),
                config("registration id '..'", "dps.registration.id", "..", ProvisioningState.FAILED),
                config("registration id with CR/LF", "dps.registration.id", "gw\r\nWARNING: FORGED line",
                        ProvisioningState.FAILED),
                config("ID scope of 500 characters", "dps.id.scope", "0".repeat(500), ProvisioningState.FAILED),
                config("payload of 20,000 characters", "dps.payload", "{\"a\":\"" + "x".repeat(20_000) + "\"}",
                        ProvisioningState.FAILED));
    }

    @ParameterizedTest(name = "configuration: {0}")
    @MethodSource("badConfigurations")
    void aBadConfigurationValueIsReportedInTheStatusAndNothingDisappears(String name, String key, Object value,
            ProvisioningState expected) throws Exception {
        this.dps.setPollsBeforeAssigned(0);
        this.cache = new FakeTokenCache(Instant::now, this.groupKey).derivingDeviceKeys();
        this.component = new DpsProvisionerComponent();
        this.component.setTokenCache(this.cache);
        this.component.bindTruststore(DpsProvisionerComponentTest.trusting(TestPki.shared().trustStore()));
        Map<String, Object> props = configuration();
        props.put(key, value);

        this.component.activate(null, props);
        await().atMost(Duration.ofSeconds(20)).until(() -> this.component.status().state() == expected);

        ProvisioningStatus status = this.component.status();
        assertThat(status.configurationProblems()).as("each problem is shown").isNotEmpty()
                .anySatisfy(problem -> assertThat(problem).contains(key.equals("dps.registration.id")
                        ? "registration id" : key.equals("dps.id.scope") ? "ID scope"
                                : key.equals("dps.payload") ? "payload" : key))
                .allSatisfy(problem -> assertThat(problem).doesNotContain("\n", "\r", "\u2028"));
        if (expected == ProvisioningState.FAILED) {
            assertThat(status.lastFailure()).hasValueSatisfying(failure -> assertThat(failure).isIn(
                    ProvisioningFailure.CONFIGURATION, ProvisioningFailure.ASSIGNMENT_REFUSED));
        }
        // Still a working component: fixing the value recovers without a restart.
        this.component.modified(configuration());
        assertThat(this.component.awaitAssignment(Duration.ofSeconds(20))).isTrue();
        assertThat(this.component.status().configurationProblems()).isEmpty();
        assertLogsClean();
    }
}
