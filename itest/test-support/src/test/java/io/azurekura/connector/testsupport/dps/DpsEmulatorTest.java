package io.azurekura.connector.testsupport.dps;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasSigner.ResourceForm;
import io.azurekura.connector.testsupport.sas.SasVerifier;

/** Drives the emulator with plain HTTPS requests, as DPS's REST reference describes them. */
class DpsEmulatorTest {

    private static final String SCOPE = "0ne00ABCDEF";
    private static final String DEVICE = "gateway-01";
    private static final String API = "?api-version=2021-06-01";

    private final String deviceKey = SasSigner.newKey();
    private final String groupKey = SasSigner.newKey();
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final HttpClient http = HttpClient.newBuilder().sslContext(TestPki.shared().clientSslContext())
            .connectTimeout(Duration.ofSeconds(5)).build();
    private DpsEmulator dps;

    @BeforeEach
    void start() {
        this.dps = DpsEmulator.builder().idScope(SCOPE).assignedHub("hub-a.azure-devices.net")
                .pollsBeforeAssigned(2).retryAfterSeconds(3).clock(this.clock)
                .responsePayload("{\"tier\":\"gold\"}").start();
        this.dps.enrollIndividual(DEVICE, this.deviceKey).enrollGroup("line-3", this.groupKey);
    }

    @AfterEach
    void stop() {
        this.dps.close();
    }

    private String token(String registrationId, String key, ResourceForm form, String keyName) {
        long se = this.clock.instant().plus(Duration.ofHours(1)).getEpochSecond();
        return SasSigner.sign(SCOPE + "/registrations/" + registrationId, key, se, keyName, form);
    }

    private String base() {
        return "https://127.0.0.1:" + this.dps.port() + "/" + SCOPE + "/registrations/";
    }

    private HttpResponse<String> put(String registrationId, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + registrationId + "/register" + API))
                .header("Content-Type", "application/json; charset=utf-8").header("Accept", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("authorization", token);
        }
        return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> register(String registrationId, String token) throws Exception {
        return put(registrationId, token, "{\"registrationId\":\"" + registrationId + "\",\"payload\":{\"k\":1}}");
    }

    private HttpResponse<String> poll(String registrationId, String operationId, String token) throws Exception {
        return this.http.send(HttpRequest.newBuilder(URI.create(base() + registrationId + "/operations/"
                + operationId + API)).header("authorization", token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> lookup(String registrationId, String token) throws Exception {
        return this.http.send(HttpRequest.newBuilder(URI.create(base() + registrationId + API))
                .header("authorization", token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"registrationId\":\"" + registrationId + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject json(HttpResponse<String> response) {
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    @Test
    void registersPollsAndAssignsWithDpsJsonShapes() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.ENCODED_LOWER_CASE, "registration");

        HttpResponse<String> accepted = register(DEVICE, token);
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(accepted.headers().firstValue("Retry-After")).hasValue("3");
        String operationId = json(accepted).get("operationId").getAsString();
        assertThat(operationId).startsWith("5.");
        assertThat(json(accepted).get("status").getAsString()).isEqualTo("assigning");
        assertThat(this.dps.lastRequestPayload(DEVICE)).isEqualTo("{\"k\":1}");

        for (int i = 0; i < 2; i++) {
            this.clock.advance(Duration.ofSeconds(3));
            HttpResponse<String> assigning = poll(DEVICE, operationId, token);
            assertThat(assigning.statusCode()).isEqualTo(202);
            assertThat(json(assigning).get("status").getAsString()).isEqualTo("assigning");
        }
        this.clock.advance(Duration.ofSeconds(3));
        HttpResponse<String> assigned = poll(DEVICE, operationId, token);
        assertThat(assigned.statusCode()).isEqualTo(200);
        JsonObject status = json(assigned);
        assertThat(status.get("operationId").getAsString()).isEqualTo(operationId);
        assertThat(status.get("status").getAsString()).isEqualTo("assigned");
        JsonObject state = status.getAsJsonObject("registrationState");
        assertThat(state.get("registrationId").getAsString()).isEqualTo(DEVICE);
        assertThat(state.get("assignedHub").getAsString()).isEqualTo("hub-a.azure-devices.net");
        assertThat(state.get("deviceId").getAsString()).isEqualTo(DEVICE);
        assertThat(state.get("status").getAsString()).isEqualTo("assigned");
        assertThat(state.get("substatus").getAsString()).isEqualTo("initialAssignment");
        assertThat(state.get("etag").getAsString()).isNotBlank();
        assertThat(Instant.parse(state.get("createdDateTimeUtc").getAsString())).isEqualTo(this.clock.instant());
        assertThat(Instant.parse(state.get("lastUpdatedDateTimeUtc").getAsString())).isEqualTo(this.clock.instant());
        assertThat(state.getAsJsonObject("payload").get("tier").getAsString()).isEqualTo("gold");

        HttpResponse<String> lookedUp = lookup(DEVICE, token);
        assertThat(lookedUp.statusCode()).isEqualTo(200);
        assertThat(json(lookedUp).get("assignedHub").getAsString()).isEqualTo("hub-a.azure-devices.net");
        assertThat(json(lookedUp).get("etag").getAsString()).isEqualTo(state.get("etag").getAsString());

        RegistrationCounters counters = this.dps.counters(DEVICE);
        assertThat(counters).isEqualTo(new RegistrationCounters(1, 3, 1, 0, 0, 0, 1));
        assertThat(this.dps.requests(DpsEndpoint.REGISTER)).isEqualTo(1);
        assertThat(this.dps.requests(DpsEndpoint.OPERATION_STATUS)).isEqualTo(3);
        assertThat(this.dps.requests(DpsEndpoint.STATUS_LOOKUP)).isEqualTo(1);
        assertThat(this.dps.requestLog()).allSatisfy(r -> assertThat(r.apiVersion()).isEqualTo("2021-06-01"));
    }

    @Test
    void acceptsEverySpellingDpsAccepts() throws Exception {
        assertThat(register(DEVICE, token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "")).statusCode())
                .isEqualTo(202);
        assertThat(register(DEVICE, token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration"))
                .statusCode()).isEqualTo(202);
        assertThat(register(DEVICE, token(DEVICE, this.deviceKey, ResourceForm.ENCODED_LOWER_CASE, ""))
                .statusCode()).isEqualTo(202);
        String derived = SasSigner.deriveDeviceKey(this.groupKey, "sensor-7");
        assertThat(register("sensor-7", token("sensor-7", derived, ResourceForm.ENCODED_LOWER_CASE,
                "registration")).statusCode()).isEqualTo(202);
        assertThat(this.dps.requestLog()).extracting(DpsRequest::tokenVerdict).containsOnly(SasVerifier.Verdict.OK);
    }

    @Test
    void refusesEveryBadToken() throws Exception {
        long past = this.clock.instant().minusSeconds(1).getEpochSecond();
        String[] bad = {
                token(DEVICE, SasSigner.newKey(), ResourceForm.PLAIN, "registration"),
                token("other-device", this.deviceKey, ResourceForm.PLAIN, "registration"),
                SasSigner.sign(SCOPE + "/registrations/" + DEVICE, this.deviceKey, past, "registration",
                        ResourceForm.PLAIN),
                token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "device"),
                // The group key itself is not the device key: it must be derived.
                token("sensor-7", this.groupKey, ResourceForm.PLAIN, "registration"),
                "SharedAccessSignature garbage",
                null };
        for (String token : bad) {
            String id = token != null && token.contains("sensor-7") ? "sensor-7" : DEVICE;
            HttpResponse<String> refused = register(id, token);
            assertThat(refused.statusCode()).as(String.valueOf(token)).isEqualTo(401);
            assertThat(json(refused).get("errorCode").getAsInt()).isEqualTo(401002);
            assertThat(json(refused).get("trackingId").getAsString()).isNotBlank();
        }
        assertThat(this.dps.requestLog()).extracting(DpsRequest::tokenVerdict).containsExactly(
                SasVerifier.Verdict.BAD_SIGNATURE, SasVerifier.Verdict.WRONG_AUDIENCE, SasVerifier.Verdict.EXPIRED,
                SasVerifier.Verdict.WRONG_AUDIENCE, SasVerifier.Verdict.BAD_SIGNATURE,
                SasVerifier.Verdict.MALFORMED, null);
        assertThat(this.dps.counters(DEVICE).unauthorized()).isEqualTo(6);
        assertThat(this.dps.counters(DEVICE).assignments()).isZero();
    }

    @Test
    void enforcesTheDevicePollingLimit() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration");
        this.dps.setOutcome(DEVICE, RegistrationOutcome.assigningForever());
        String operationId = json(register(DEVICE, token)).get("operationId").getAsString();
        for (int i = 0; i < 5; i++) {
            assertThat(poll(DEVICE, operationId, token).statusCode()).isEqualTo(202);
            this.clock.advance(Duration.ofSeconds(1));
        }
        HttpResponse<String> sixth = poll(DEVICE, operationId, token);
        assertThat(sixth.statusCode()).isEqualTo(429);
        assertThat(sixth.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(this.dps.pollLimitViolations()).isEqualTo(1);

        this.clock.advance(Duration.ofSeconds(10));
        assertThat(poll(DEVICE, operationId, token).statusCode()).isEqualTo(202);
        assertThat(this.dps.counters(DEVICE).pollLimitViolations()).isEqualTo(1);
    }

    @Test
    void pollsTwoSecondsApartNeverTripTheLimit() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration");
        this.dps.setOutcome(DEVICE, RegistrationOutcome.assigningForever());
        String operationId = json(register(DEVICE, token)).get("operationId").getAsString();
        for (int i = 0; i < 20; i++) {
            assertThat(poll(DEVICE, operationId, token).statusCode()).isEqualTo(202);
            this.clock.advance(Duration.ofSeconds(2));
        }
        assertThat(this.dps.pollLimitViolations()).isZero();
    }

    @Test
    void injectsThrottlingServerErrorsAndMalformedJson() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration");
        this.dps.inject(DpsFault.throttle(DpsEndpoint.REGISTER, 7).times(2),
                DpsFault.serverError(DpsEndpoint.REGISTER), DpsFault.malformedJson(DpsEndpoint.REGISTER),
                DpsFault.throttle(DpsEndpoint.OPERATION_STATUS, null).forRegistration(DEVICE));

        HttpResponse<String> throttled = register(DEVICE, token);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(json(throttled).get("errorCode").getAsInt()).isEqualTo(429001);
        assertThat(register(DEVICE, token).statusCode()).isEqualTo(429);
        assertThat(register(DEVICE, token).statusCode()).isEqualTo(500);
        HttpResponse<String> malformed = register(DEVICE, token);
        assertThat(malformed.statusCode()).isEqualTo(202);
        assertThat(malformed.body()).doesNotEndWith("}");
        HttpResponse<String> accepted = register(DEVICE, token);
        assertThat(accepted.statusCode()).isEqualTo(202);

        String operationId = json(accepted).get("operationId").getAsString();
        HttpResponse<String> pollThrottled = poll(DEVICE, operationId, token);
        assertThat(pollThrottled.statusCode()).isEqualTo(429);
        assertThat(pollThrottled.headers().firstValue("Retry-After")).isEmpty();
        assertThat(poll(DEVICE, operationId, token).statusCode()).isEqualTo(202);
        assertThat(this.dps.counters(DEVICE).throttled()).isEqualTo(3);
        assertThat(this.dps.pollLimitViolations()).isZero();
    }

    @Test
    void injectsUnauthorizedAndHttpErrors() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration");
        this.dps.inject(DpsFault.unauthorized(DpsEndpoint.REGISTER),
                DpsFault.httpError(DpsEndpoint.REGISTER, 404, 404201, "Enrollment not found."));
        assertThat(register(DEVICE, token).statusCode()).isEqualTo(401);
        HttpResponse<String> notFound = register(DEVICE, token);
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(json(notFound).get("message").getAsString()).isEqualTo("Enrollment not found.");
        assertThat(register(DEVICE, token).statusCode()).isEqualTo(202);
    }

    @Test
    void finishesWithFailedOrDisabledAndStoresIt() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration");
        this.dps.setPollsBeforeAssigned(0);
        this.dps.setOutcome(DEVICE, RegistrationOutcome.failed(400209, "The IoT hub is not reachable."));
        String operationId = json(register(DEVICE, token)).get("operationId").getAsString();
        JsonObject failed = json(poll(DEVICE, operationId, token));
        assertThat(failed.get("status").getAsString()).isEqualTo("failed");
        assertThat(failed.getAsJsonObject("registrationState").get("errorCode").getAsInt()).isEqualTo(400209);
        assertThat(failed.getAsJsonObject("registrationState").get("errorMessage").getAsString())
                .isEqualTo("The IoT hub is not reachable.");
        assertThat(json(lookup(DEVICE, token)).get("status").getAsString()).isEqualTo("failed");

        this.dps.setOutcome(DEVICE, RegistrationOutcome.disabled());
        operationId = json(register(DEVICE, token)).get("operationId").getAsString();
        JsonObject disabled = json(poll(DEVICE, operationId, token));
        assertThat(disabled.get("status").getAsString()).isEqualTo("disabled");
        assertThat(this.dps.assignedHub(DEVICE)).isNull();
    }

    @Test
    void movesADeviceToAnotherHubOnReassignment() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration");
        this.dps.setPollsBeforeAssigned(0);
        String first = json(register(DEVICE, token)).get("operationId").getAsString();
        poll(DEVICE, first, token);
        this.dps.reassign(DEVICE, "hub-b.azure-devices.net");
        this.clock.advance(Duration.ofSeconds(3));
        String second = json(register(DEVICE, token)).get("operationId").getAsString();
        JsonObject state = json(poll(DEVICE, second, token)).getAsJsonObject("registrationState");
        assertThat(state.get("assignedHub").getAsString()).isEqualTo("hub-b.azure-devices.net");
        assertThat(state.get("substatus").getAsString()).isEqualTo("deviceDataMigrated");
    }

    @Test
    void rejectsUnknownScopesOperationsMissingApiVersionAndBadBodies() throws Exception {
        String token = token(DEVICE, this.deviceKey, ResourceForm.PLAIN, "registration");
        assertThat(poll(DEVICE, "5.unknown", token).statusCode()).isEqualTo(404);
        assertThat(lookup(DEVICE, token).statusCode()).isEqualTo(404);
        assertThat(put(DEVICE, token, "{\"registrationId\":\"someone-else\"}").statusCode()).isEqualTo(400);
        assertThat(put(DEVICE, token, "not json").statusCode()).isEqualTo(400);
        HttpResponse<String> noVersion = this.http.send(HttpRequest.newBuilder(URI.create(base() + DEVICE
                + "/register")).header("authorization", token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"registrationId\":\"" + DEVICE + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noVersion.statusCode()).isEqualTo(400);
        HttpResponse<String> otherScope = this.http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                + this.dps.port() + "/0ne99999999/registrations/" + DEVICE + "/register" + API))
                .header("authorization", token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"registrationId\":\"" + DEVICE + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(otherScope.statusCode()).isEqualTo(404);
        assertThat(this.dps.counters(DEVICE).assignments()).isZero();
    }
}
