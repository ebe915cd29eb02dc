package io.azurekura.connector.itest.endtoend;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.azurekura.connector.testsupport.dps.DpsEmulator;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sts.ReferenceTokenServer;

/**
 * Azure on loopback, as the connector meets it: the reference token server (holding every identity's key and
 * requiring a bearer secret), the DPS emulator (assigning every enrollment to hub {@value #HUB_HOST}) and the IoT
 * Hub emulator on 127.0.0.1:{@value IotHubEmulator#IOT_HUB_MQTT_PORT}, the port the Azure SDK always uses. All three
 * present the shared test PKI's server certificate.
 * <p>
 * An identity {@link #enroll(String) enrolled} here has one random key, known to the token server (as DPS individual
 * enrollment and as hub device), to DPS (its enrollment) and to the hub (its device registration); the gateway never
 * sees it. DPS assigns it with device id = registration id.
 */
public final class LoopbackAzure implements AutoCloseable {

    /** The host name DPS assigns and the hub emulator answers to (its certificate's SAN). */
    public static final String HUB_HOST = "localhost";
    /** Another gateway process or a previous test class may still hold 8883 for a moment. */
    private static final Duration PORT_WAIT = Duration.ofSeconds(90);

    private final ReferenceTokenServer tokenServer;
    private final DpsEmulator dps;
    private final IotHubEmulator hub;
    private final String idScope;
    private final String bearerSecret;
    private final Map<String, String> keys = new LinkedHashMap<>();

    private LoopbackAzure(Builder builder) {
        this.idScope = builder.idScope;
        this.bearerSecret = builder.bearerSecret;
        List<AutoCloseable> started = new ArrayList<>();
        try {
            this.tokenServer = ReferenceTokenServer.start().setTokenTtl(builder.tokenTtl)
                    .requireBearerToken(this.bearerSecret);
            started.add(this.tokenServer);
            this.dps = DpsEmulator.builder().idScope(this.idScope).assignedHub(HUB_HOST)
                    .pollsBeforeAssigned(builder.pollsBeforeAssigned).retryAfterSeconds(builder.retryAfterSeconds)
                    .start();
            started.add(this.dps);
            this.hub = startHub();
        } catch (RuntimeException | Error e) {
            for (AutoCloseable closeable : started) {
                closeQuietly(closeable, e);
            }
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private static IotHubEmulator startHub() {
        AtomicReference<IotHubEmulator> started = new AtomicReference<>();
        await("port " + IotHubEmulator.IOT_HUB_MQTT_PORT + " to be free").atMost(PORT_WAIT)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                    // No expiry grace: a connection outliving its token is dropped at once, so any missed
                    // renewal shows up as an expiry drop instead of hiding in IoT Hub's ~10 min tolerance.
                    started.set(IotHubEmulator.builder().expiryGrace(Duration.ZERO).start());
                    return true;
                });
        return started.get();
    }

    /** Registers one identity everywhere (token server, DPS, hub) with a fresh random key. */
    public synchronized LoopbackAzure enroll(String registrationId) {
        String key = SasSigner.newKey();
        this.keys.put(registrationId, key);
        this.tokenServer.addDpsIndividualEnrollment(this.idScope, registrationId, key);
        this.tokenServer.addDevice(HUB_HOST, registrationId, key);
        this.dps.enrollIndividual(registrationId, key);
        this.hub.addDevice(registrationId, key);
        return this;
    }

    public ReferenceTokenServer tokenServer() {
        return this.tokenServer;
    }

    public DpsEmulator dps() {
        return this.dps;
    }

    public IotHubEmulator hub() {
        return this.hub;
    }

    public String idScope() {
        return this.idScope;
    }

    /** What the gateway must send to the token server ({@code Authorization: Bearer ...}). */
    public String bearerSecret() {
        return this.bearerSecret;
    }

    /** The token server's URL template in Microsoft's contract, as entered in the STS client's "Token URL". */
    public String tokenUrl() {
        return this.tokenServer.baseUri() + "/api/token?sr={audience}";
    }

    /** The DPS emulator's global endpoint, {@code localhost:<port>}. */
    public String dpsGlobalEndpoint() {
        return this.dps.globalEndpoint();
    }

    public synchronized String key(String identity) {
        return Objects.requireNonNull(this.keys.get(identity), () -> "no identity " + identity);
    }

    /** Every secret of this Azure: the bearer secret and every identity key. None may ever reach a log line. */
    public synchronized List<String> secrets() {
        List<String> secrets = new ArrayList<>(this.keys.values());
        secrets.add(this.bearerSecret);
        return secrets;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable closeable : new AutoCloseable[] { this.hub, this.dps, this.tokenServer }) {
            try {
                closeable.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("cannot stop the loopback Azure", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeQuietly(AutoCloseable closeable, Throwable primary) {
        try {
            closeable.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }

    /** The knobs the tests and the sandbox turn; everything else is fixed. */
    public static final class Builder {
        private Duration tokenTtl = Duration.ofHours(1);
        private String idScope = "0ne00E2E001";
        private String bearerSecret = "sts-bearer-" + UUID.randomUUID();
        private int pollsBeforeAssigned = 0;
        private int retryAfterSeconds = 1;

        private Builder() {
        }

        /** The lifetime of every token the token server issues ({@code se} = now + ttl). */
        public Builder tokenTtl(Duration ttl) {
            this.tokenTtl = ttl;
            return this;
        }

        public Builder idScope(String scope) {
            this.idScope = scope;
            return this;
        }

        public Builder bearerSecret(String secret) {
            this.bearerSecret = secret;
            return this;
        }

        /** Polls answered {@code assigning} before DPS assigns (0: the first poll has the result). */
        public Builder pollsBeforeAssigned(int polls) {
            this.pollsBeforeAssigned = polls;
            return this;
        }

        /** DPS's {@code Retry-After} between register and poll (DPS itself sends 3). */
        public Builder retryAfterSeconds(int seconds) {
            this.retryAfterSeconds = seconds;
            return this;
        }

        public LoopbackAzure start() {
            return new LoopbackAzure(this);
        }
    }
}
