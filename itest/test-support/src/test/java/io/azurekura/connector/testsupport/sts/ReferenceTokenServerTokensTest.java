package io.azurekura.connector.testsupport.sts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;

class ReferenceTokenServerTokensTest {

    private static final String HUB = "myhub.azure-devices.net";
    private static final String SCOPE = "0ne00ABCDEF";

    private final String deviceKey = SasSigner.newKey();
    private final String moduleKey = SasSigner.newKey();
    private final String enrollmentKey = SasSigner.newKey();
    private final String groupKey = SasSigner.newKey();

    private ReferenceTokenServer server;
    private TokenServerClient client;

    @BeforeEach
    void start() {
        this.server = ReferenceTokenServer.start()
                .addDevice(HUB, "dev1", this.deviceKey)
                .addModule(HUB, "dev1", "filter", this.moduleKey)
                .addDpsIndividualEnrollment(SCOPE, "reg-1", this.enrollmentKey)
                .addDpsGroupEnrollment(SCOPE, this.groupKey);
        this.client = TokenServerClient.plain(this.server);
    }

    @AfterEach
    void stop() {
        this.server.close();
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    @ParameterizedTest
    @EnumSource(SasSigner.ResourceForm.class)
    void deviceTokenVerifiesForTheDeviceAudienceInEitherResourceForm(SasSigner.ResourceForm form) {
        this.server.setResourceForm(form);

        HttpResponse<String> response = this.client.get(HUB + "/devices/dev1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        String token = response.body();
        assertThat(SasVerifier.verify(token, HUB + "/devices/dev1", this.deviceKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
        SasVerifier.Parsed parsed = SasVerifier.parse(token);
        assertThat(parsed.keyName).as("device tokens carry no skn").isNull();
        if (form == SasSigner.ResourceForm.PLAIN) {
            assertThat(parsed.resource).isEqualTo(HUB + "/devices/dev1");
        } else {
            // SasSigner writes upper-case hex escapes (%2F); IoT Hub accepts either case.
            assertThat(parsed.resource).isEqualToIgnoringCase("myhub.azure-devices.net%2fdevices%2fdev1");
        }
    }

    @ParameterizedTest
    @EnumSource(SasSigner.ResourceForm.class)
    void moduleTokenVerifiesForTheModuleAudience(SasSigner.ResourceForm form) {
        this.server.setResourceForm(form);

        String token = this.client.get(HUB + "/devices/dev1/modules/filter").body();

        assertThat(SasVerifier.verify(token, HUB + "/devices/dev1/modules/filter", this.moduleKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
        assertThat(SasVerifier.verify(token, HUB + "/devices/dev1", this.moduleKey, now()))
                .isEqualTo(SasVerifier.Verdict.WRONG_AUDIENCE);
        assertThat(SasVerifier.parse(token).keyName).isNull();
    }

    @ParameterizedTest
    @EnumSource(SasSigner.ResourceForm.class)
    void dpsIndividualEnrollmentTokenUsesTheEnrollmentKeyAndSknRegistration(SasSigner.ResourceForm form) {
        this.server.setResourceForm(form);

        String token = this.client.get(SCOPE + "/registrations/reg-1").body();

        assertThat(SasVerifier.verify(token, SCOPE + "/registrations/reg-1", this.enrollmentKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
        assertThat(SasVerifier.parse(token).keyName).isEqualTo("registration");
    }

    @ParameterizedTest
    @EnumSource(SasSigner.ResourceForm.class)
    void dpsGroupEnrollmentTokenUsesTheDerivedDeviceKey(SasSigner.ResourceForm form) {
        this.server.setResourceForm(form);

        String token = this.client.get(SCOPE + "/registrations/sensor-42").body();

        String derived = SasSigner.deriveDeviceKey(this.groupKey, "sensor-42");
        assertThat(SasVerifier.verify(token, SCOPE + "/registrations/sensor-42", derived, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
        assertThat(SasVerifier.verify(token, SCOPE + "/registrations/sensor-42", this.groupKey, now()))
                .as("signed with the derived key, not the group key").isEqualTo(SasVerifier.Verdict.BAD_SIGNATURE);
    }

    @Test
    void individualEnrollmentWinsOverTheGroupOfItsScope() {
        String token = this.client.get(SCOPE + "/registrations/reg-1").body();

        assertThat(SasVerifier.verify(token, SCOPE + "/registrations/reg-1",
                SasSigner.deriveDeviceKey(this.groupKey, "reg-1"), now()))
                .isEqualTo(SasVerifier.Verdict.BAD_SIGNATURE);
    }

    @Test
    void dpsKeyNameCanBeEmptyOrAbsent() {
        this.server.setDpsKeyName(DpsKeyName.EMPTY);
        String empty = this.client.get(SCOPE + "/registrations/reg-1").body();
        this.server.setDpsKeyName(DpsKeyName.NONE);
        String none = this.client.get(SCOPE + "/registrations/reg-1").body();

        assertThat(empty).endsWith("&skn=");
        assertThat(SasVerifier.parse(empty).keyName).isEmpty();
        assertThat(none).doesNotContain("skn");
        assertThat(SasVerifier.verify(empty, SCOPE + "/registrations/reg-1", this.enrollmentKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
        assertThat(SasVerifier.verify(none, SCOPE + "/registrations/reg-1", this.enrollmentKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
    }

    @Test
    void acceptsTheAudienceUrlEncodedOnceOrTwiceAndHostsInAnyCase() {
        String once = SasSigner.urlEncode(HUB + "/devices/dev1");
        String twice = SasSigner.urlEncode(once);
        String upperHost = "MyHub.Azure-Devices.NET/devices/dev1";

        for (String sr : new String[] { once, twice, upperHost, "myhub.azure-devices.net%2fdevices%2fdev1" }) {
            HttpResponse<String> response = this.client.get(sr);
            assertThat(response.statusCode()).as(sr).isEqualTo(200);
            assertThat(SasVerifier.verify(response.body(), HUB + "/devices/dev1", this.deviceKey, now()))
                    .as(sr).isEqualTo(SasVerifier.Verdict.OK);
        }
    }

    @Test
    void deviceIdsKeepTheirCaseButALowerCasedAudienceStillFindsAUniqueDevice() {
        String upperKey = SasSigner.newKey();
        this.server.addDevice(HUB, "Gateway-A", upperKey);

        String exact = this.client.get(HUB + "/devices/Gateway-A").body();
        String lowered = this.client.get(HUB + "/devices/gateway-a").body();

        assertThat(SasVerifier.parse(exact).resource).isEqualTo(HUB + "/devices/Gateway-A");
        assertThat(SasVerifier.verify(lowered, HUB + "/devices/Gateway-A", upperKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
    }

    @Test
    void ttlSetsTheExpiryFromTheServersClock() {
        Instant fixed = Instant.parse("2030-01-01T00:00:00Z");
        this.server.setClock(Clock.fixed(fixed, ZoneOffset.UTC)).setTokenTtl(Duration.ofMinutes(20));

        String token = this.client.get(HUB + "/devices/dev1").body();

        assertThat(SasVerifier.parse(token).expiryEpochSeconds).isEqualTo(fixed.getEpochSecond() + 1200);
    }

    @Test
    void ttlDefaultsToOneHourFromNow() {
        long before = now();
        String token = this.client.get(HUB + "/devices/dev1").body();
        long after = now();

        assertThat(SasVerifier.parse(token).expiryEpochSeconds).isBetween(before + 3600, after + 3600);
    }

    @Test
    void shortTtlIsHonoured() {
        this.server.setTokenTtl(Duration.ofSeconds(5));
        long before = now();
        String token = this.client.get(HUB + "/devices/dev1").body();
        long after = now();

        assertThat(SasVerifier.parse(token).expiryEpochSeconds).isBetween(before + 5, after + 5);
    }

    @Test
    void jsonFormatCarriesTheTokenInTheConfiguredFieldWithExpiresOn() {
        this.server.setResponseFormat(ResponseFormat.JSON).setJsonTokenField("sasToken");

        HttpResponse<String> response = this.client.get(HUB + "/devices/dev1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonObject body = JsonParser.parseString(response.body()).getAsJsonObject();
        String token = body.get("sasToken").getAsString();
        assertThat(token).startsWith("SharedAccessSignature ");
        assertThat(SasVerifier.verify(token, HUB + "/devices/dev1", this.deviceKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
        assertThat(body.get("expiresOn").getAsLong()).isEqualTo(SasVerifier.parse(token).expiryEpochSeconds);
        assertThat(response.body()).as("no HTML escaping of = and &").contains("&sig=");
    }

    @Test
    void jsonFieldDefaultsToToken() {
        this.server.setResponseFormat(ResponseFormat.JSON);

        JsonObject body = JsonParser.parseString(this.client.get(HUB + "/devices/dev1").body()).getAsJsonObject();

        assertThat(body.keySet()).containsExactlyInAnyOrder("token", "expiresOn");
    }

    @Test
    void unknownIdentitiesGet404WithAJsonError() {
        for (String sr : new String[] { HUB + "/devices/nobody", "otherhub.azure-devices.net/devices/dev1",
                HUB + "/devices/dev1/modules/nomodule", "0ne00OTHER/registrations/reg-1" }) {
            HttpResponse<String> response = this.client.get(sr);
            assertThat(response.statusCode()).as(sr).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            assertThat(JsonParser.parseString(response.body()).getAsJsonObject().get("error").getAsString())
                    .isEqualTo("unknown_identity");
        }
    }

    @Test
    void missingOrMalformedAudienceGets400() {
        assertThat(this.client.get(null).statusCode()).isEqualTo(400);
        assertThat(this.client.get("").statusCode()).isEqualTo(400);
        assertThat(this.client.get(HUB + "/twins/dev1").statusCode()).isEqualTo(400);
        assertThat(this.client.get(HUB + "/devices/").statusCode()).isEqualTo(400);
        assertThat(this.client.get("bad%25zzescape").statusCode()).isEqualTo(400);
    }

    @Test
    void anyPathIsServed() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .sslContext(io.azurekura.connector.testsupport.pki.TestPki.shared().clientSslContext()).build();
        java.net.http.HttpRequest request = java.net.http.HttpRequest
                .newBuilder(this.server.baseUri().resolve("/some/other/path?x=1&sr=" + HUB + "/devices/dev1"))
                .build();

        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(SasVerifier.verify(response.body(), HUB + "/devices/dev1", this.deviceKey, now()))
                .isEqualTo(SasVerifier.Verdict.OK);
    }

    /**
     * Ids with characters that must be percent-encoded in an audience (IoT Hub's id alphabet allows % # + ; = $ ' ?):
     * the token the server issues verifies for that id and for no other spelling of it (a{@code %41} is not aA).
     */
    @ParameterizedTest
    @ValueSource(strings = { "100%", "a%41", "dev#1", "x+y;z=$'", "what?now!", "%2F", "a%zz" })
    void tokensForIdsThatNeedEncodingVerifyForThatIdOnly(String deviceId) {
        String key = SasSigner.newKey();
        this.server.addDevice(HUB, deviceId, key);
        for (SasSigner.ResourceForm form : SasSigner.ResourceForm.values()) {
            this.server.setResourceForm(form);

            HttpResponse<String> response = this.client.get(HUB + "/devices/" + SasSigner.urlEncode(deviceId));

            assertThat(response.statusCode()).as("%s", form).isEqualTo(200);
            assertThat(SasVerifier.verify(response.body(), HUB + "/devices/" + deviceId, key, now())).as("%s", form)
                    .isEqualTo(SasVerifier.Verdict.OK);
            assertThat(SasVerifier.verify(response.body(), HUB + "/devices/" + deviceId.replace("%41", "A"), key,
                    now())).as("%s", form).isEqualTo(deviceId.contains("%41") ? SasVerifier.Verdict.WRONG_AUDIENCE
                            : SasVerifier.Verdict.OK);
        }
    }
}
