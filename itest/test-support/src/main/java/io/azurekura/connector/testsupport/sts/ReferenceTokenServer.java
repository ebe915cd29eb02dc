package io.azurekura.connector.testsupport.sts;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.KeyStoreOptions;

/**
 * A loopback HTTPS token server that keeps Microsoft's third-party token server contract: {@code GET <any path>?sr=
 * <audience>} answers a SAS token for that audience, signed exactly as IoT Hub and DPS verify it. It holds real
 * identities and keys, checks client credentials, counts requests per audience and misbehaves on demand (see
 * {@link Fault}), so it can stand in for a customer's token server in unit, integration and sandbox runs.
 * <p>
 * Binds 127.0.0.1 with the {@link TestPki#shared() test PKI}'s server certificate (valid for {@code localhost} and
 * {@code 127.0.0.1}). All setters are thread-safe and take effect for the next request.
 * <p>
 * Request handling, in order: count it; drop it when {@link #setAvailable(boolean) unavailable}; apply the next
 * injected faults (latency first, then at most one other fault); check method, credentials and {@code sr}; look up
 * the identity (404 when unknown); sign. Errors are JSON {@code {"error":..., "message":...}} and never echo
 * credentials.
 */
public final class ReferenceTokenServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceTokenServer.class);
    private static final String BIND_HOST = "127.0.0.1";
    private static final Duration DEFAULT_TTL = Duration.ofHours(1);
    /** Past IoT Hub's ~5 min clock-skew tolerance, so an "expired" token is expired to every checker. */
    private static final Duration EXPIRED_TOKEN_AGE = Duration.ofHours(1);
    private static final String WRONG_AUDIENCE_SUFFIX = "-wrong-audience";
    private static final long CLOSE_TIMEOUT_SECONDS = 10;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final Vertx vertx;
    private final HttpServer server;
    private volatile int port;
    private final IdentityRegistry identities = new IdentityRegistry();
    private final ClientAuthenticator authenticator;
    private final FaultSchedule faults = new FaultSchedule();
    private final Map<String, AtomicLong> requestsPerAudience = new ConcurrentHashMap<>();
    private final AtomicLong totalRequests = new AtomicLong();

    private volatile Duration tokenTtl = DEFAULT_TTL;
    private volatile SasSigner.ResourceForm resourceForm = SasSigner.ResourceForm.PLAIN;
    private volatile DpsKeyName dpsKeyName = DpsKeyName.REGISTRATION;
    private volatile ResponseFormat responseFormat = ResponseFormat.TEXT;
    private volatile String jsonTokenField = StsProtocol.DEFAULT_JSON_TOKEN_FIELD;
    private volatile Clock clock = Clock.systemUTC();
    private volatile boolean available = true;
    private volatile boolean closed;

    private ReferenceTokenServer(Vertx vertx, HttpServerOptions options, ClientAuthenticator authenticator) {
        this.vertx = vertx;
        this.authenticator = authenticator;
        this.server = vertx.createHttpServer(options)
                .requestHandler(this::handle)
                // Clients that give up mid-handshake or mid-body are routine in fault tests.
                .exceptionHandler(e -> LOG.debug("token server connection error: {}", e.toString()));
    }

    /** Starts on an ephemeral port. */
    public static ReferenceTokenServer start() {
        return start(0);
    }

    /** @param port the port to bind on 127.0.0.1, or 0 for an ephemeral one */
    public static ReferenceTokenServer start(int port) {
        TestPki pki = TestPki.shared();
        String password = new String(TestPki.PASSWORD);
        HttpServerOptions options = new HttpServerOptions()
                .setHost(BIND_HOST)
                .setPort(port)
                .setSsl(true)
                .setKeyCertOptions(new KeyStoreOptions().setType("PKCS12").setPassword(password)
                        .setValue(Buffer.buffer(TestPki.toBytes(pki.serverKeyStore()))))
                .setTrustOptions(new KeyStoreOptions().setType("PKCS12").setPassword(password)
                        .setValue(Buffer.buffer(TestPki.toBytes(pki.trustStore()))))
                // Requested, not required, so client certificates can be demanded per request (and switched on
                // and off while connections stay pooled); ClientAuthenticator enforces it.
                .setClientAuth(ClientAuth.REQUEST);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        ReferenceTokenServer sts = new ReferenceTokenServer(vertx, options,
                new ClientAuthenticator(pki.caCertificate()));
        try {
            await(sts.server.listen());
        } catch (RuntimeException e) {
            await(vertx.close());
            throw new IllegalStateException("the reference token server cannot listen on " + BIND_HOST + ":"
                    + port, e);
        }
        sts.port = sts.server.actualPort();
        LOG.info("reference token server listening on https://localhost:{}", sts.port);
        return sts;
    }

    public int port() {
        return this.port;
    }

    /** {@code https://localhost:<port>}; any path works, add {@code ?sr=<audience>}. */
    public URI baseUri() {
        return URI.create("https://localhost:" + this.port);
    }

    // ---- identities

    public ReferenceTokenServer addDevice(String hubHost, String deviceId, String base64Key) {
        this.identities.addDevice(hubHost, deviceId, base64Key);
        return this;
    }

    public ReferenceTokenServer addModule(String hubHost, String deviceId, String moduleId, String base64Key) {
        this.identities.addModule(hubHost, deviceId, moduleId, base64Key);
        return this;
    }

    public ReferenceTokenServer addDpsIndividualEnrollment(String idScope, String registrationId,
            String base64Key) {
        this.identities.addIndividualEnrollment(idScope, registrationId, base64Key);
        return this;
    }

    /** Any registration ID in the scope; its key is {@link SasSigner#deriveDeviceKey(String, String)}. */
    public ReferenceTokenServer addDpsGroupEnrollment(String idScope, String base64GroupKey) {
        this.identities.addGroupEnrollment(idScope, base64GroupKey);
        return this;
    }

    // ---- signing and response

    /** {@code se} = now + ttl, in whole seconds; one hour by default, as every Azure SDK. */
    public ReferenceTokenServer setTokenTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.getSeconds() < 1) {
            throw new IllegalArgumentException("the token TTL must be at least one second");
        }
        this.tokenTtl = ttl;
        return this;
    }

    /** How {@code sr} is written into tokens; {@link SasSigner.ResourceForm#PLAIN} by default. */
    public ReferenceTokenServer setResourceForm(SasSigner.ResourceForm form) {
        this.resourceForm = Objects.requireNonNull(form, "form");
        return this;
    }

    /** The {@code skn} of DPS tokens; {@link DpsKeyName#REGISTRATION} by default. Hub tokens never carry one. */
    public ReferenceTokenServer setDpsKeyName(DpsKeyName keyName) {
        this.dpsKeyName = Objects.requireNonNull(keyName, "keyName");
        return this;
    }

    public ReferenceTokenServer setResponseFormat(ResponseFormat format) {
        this.responseFormat = Objects.requireNonNull(format, "format");
        return this;
    }

    /** The JSON field holding the token when the format is JSON; {@value StsProtocol#DEFAULT_JSON_TOKEN_FIELD}. */
    public ReferenceTokenServer setJsonTokenField(String field) {
        if (field == null || field.isEmpty()) {
            throw new IllegalArgumentException("the JSON token field needs a name");
        }
        this.jsonTokenField = field;
        return this;
    }

    /** The clock {@code se} is computed from; the system clock by default. */
    public ReferenceTokenServer setClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    // ---- client authentication

    /** Require {@code Authorization: Bearer <token>}; null lifts the requirement. */
    public ReferenceTokenServer requireBearerToken(String token) {
        this.authenticator.requireBearerToken(token);
        return this;
    }

    /** Require {@code <headerName>: <value>}; nulls lift the requirement. Header names are case-insensitive. */
    public ReferenceTokenServer requireApiKey(String headerName, String value) {
        this.authenticator.requireApiKey(headerName, value);
        return this;
    }

    /**
     * Require a TLS client certificate issued by the test CA. A certificate from another CA fails the handshake; no
     * certificate at all gets 401.
     */
    public ReferenceTokenServer requireClientCertificate(boolean required) {
        this.authenticator.requireClientCertificate(required);
        return this;
    }

    // ---- faults and availability

    /** Apply {@code fault} to each of the next {@code times} requests. */
    public ReferenceTokenServer injectFault(Fault fault, int times) {
        Objects.requireNonNull(fault, "fault");
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1");
        }
        this.faults.add(fault, times);
        return this;
    }

    /** Apply {@code fault} to every request until {@link #clearFaults()}. */
    public ReferenceTokenServer injectFault(Fault fault) {
        this.faults.add(Objects.requireNonNull(fault, "fault"), FaultSchedule.FOREVER);
        return this;
    }

    public ReferenceTokenServer clearFaults() {
        this.faults.clear();
        return this;
    }

    /**
     * False simulates an outage: every request's connection is closed without a response (see
     * {@link Fault#dropConnection()} for how the JDK client reacts). Requests are still counted; injected faults
     * are not used up meanwhile.
     */
    public ReferenceTokenServer setAvailable(boolean available) {
        this.available = available;
        return this;
    }

    // ---- counters

    /** Requests that asked for this audience, in any spelling (compared via {@link SasVerifier#canonical}). */
    public long requestCount(String resource) {
        String decoded = RequestedResource.decode(resource);
        AtomicLong count = decoded == null ? null : this.requestsPerAudience.get(decoded.toLowerCase(Locale.ROOT));
        return count == null ? 0 : count.get();
    }

    /** Every request received, including refused, faulted and dropped ones. */
    public long totalRequests() {
        return this.totalRequests.get();
    }

    public void resetCounts() {
        this.requestsPerAudience.clear();
        this.totalRequests.set(0);
    }

    /** Closes the server and its Vert.x instance; no thread of it is left running. Idempotent. */
    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        try {
            await(this.server.close());
        } finally {
            await(this.vertx.close());
        }
        LOG.info("reference token server on port {} closed", this.port);
    }

    // ---- request handling (event loop)

    private void handle(HttpServerRequest request) {
        this.totalRequests.incrementAndGet();
        String rawResource = RequestedResource.rawQueryParameter(request.query(), StsProtocol.RESOURCE_PARAMETER);
        String resource = rawResource == null ? null : RequestedResource.decode(rawResource);
        if (resource != null && !resource.isEmpty()) {
            this.requestsPerAudience.computeIfAbsent(resource.toLowerCase(Locale.ROOT), k -> new AtomicLong())
                    .incrementAndGet();
        }
        if (!this.available) {
            LOG.debug("token server unavailable: dropping the request for {}", resource);
            drop(request);
            return;
        }
        FaultSchedule.Plan plan = this.faults.next();
        long delayMillis = plan.delay.toMillis();
        if (delayMillis > 0) {
            this.vertx.setTimer(delayMillis, timer -> respond(request, resource, plan.fault));
        } else {
            respond(request, resource, plan.fault);
        }
    }

    private void respond(HttpServerRequest request, String resource, Fault fault) {
        try {
            if (fault != null && !fault.altersToken()) {
                LOG.debug("injecting {} for {}", fault, resource);
                answerWithFault(request, fault);
                return;
            }
            if (request.method() != HttpMethod.GET) {
                error(request, 405, "method_not_allowed", "the token server answers GET only");
                return;
            }
            if (!this.authenticator.accepts(request)) {
                if (this.authenticator.bearerRequired()) {
                    request.response().putHeader(StsProtocol.WWW_AUTHENTICATE_HEADER, StsProtocol.BEARER_SCHEME);
                }
                error(request, 401, "unauthorized", "missing or wrong client credentials");
                return;
            }
            // Looked up first: an id such as "100%" has no fully decoded spelling, yet is a registered identity.
            IdentityRegistry.SigningIdentity identity = findIdentity(request);
            if (identity == null && (resource == null || resource.isEmpty())) {
                error(request, 400, "bad_request", "the query parameter '" + StsProtocol.RESOURCE_PARAMETER
                        + "' with the token audience is missing or not decodable");
                return;
            }
            if (identity == null && RequestedResource.parse(resource) == null) {
                error(request, 400, "bad_request", "'" + resource + "' is not an IoT Hub or DPS audience");
                return;
            }
            if (identity == null) {
                error(request, 404, "unknown_identity", "no identity is registered for '" + resource + "'");
                return;
            }
            issueToken(request, identity, fault);
        } catch (RuntimeException e) {
            LOG.warn("token server failed to answer a request for {}: {}", resource, e.toString());
            if (!request.response().ended() && !request.response().headWritten()) {
                error(request, 500, "internal_error", "the token server failed");
            }
        }
    }

    /**
     * The identity the request names. Clients encode the audience zero, one or two times over and ids may hold
     * {@code %}, so no single number of decodings is right for every id: each spelling, least decoded first, is
     * tried against the registered identities (decoding an id like {@code a%2541} too often names another one).
     */
    private IdentityRegistry.SigningIdentity findIdentity(HttpServerRequest request) {
        String raw = RequestedResource.rawQueryParameter(request.query(), StsProtocol.RESOURCE_PARAMETER);
        for (String spelling : RequestedResource.decodings(raw)) {
            RequestedResource candidate = RequestedResource.parse(spelling);
            IdentityRegistry.SigningIdentity identity = candidate == null ? null : this.identities.find(candidate);
            if (identity != null) {
                return identity;
            }
        }
        return null;
    }

    private void issueToken(HttpServerRequest request, IdentityRegistry.SigningIdentity identity, Fault fault) {
        long now = this.clock.instant().getEpochSecond();
        long expiry = now + this.tokenTtl.getSeconds();
        String audience = identity.resource;
        String key = identity.base64Key;
        if (fault != null) {
            LOG.debug("injecting {} for {}", fault, identity.resource);
            switch (fault.kind()) {
            case WRONG_AUDIENCE:
                audience = audience + WRONG_AUDIENCE_SUFFIX;
                break;
            case EXPIRED_TOKEN:
                expiry = now - EXPIRED_TOKEN_AGE.getSeconds();
                break;
            case WRONG_KEY:
                key = SasSigner.newKey();
                break;
            default:
                throw new IllegalStateException("not a token fault: " + fault);
            }
        }
        String token = SasSigner.sign(audience, key, expiry,
                identity.dps ? this.dpsKeyName.value() : null, this.resourceForm);
        HttpServerResponse response = request.response().setStatusCode(200);
        if (this.responseFormat == ResponseFormat.JSON) {
            JsonObject body = new JsonObject();
            body.addProperty(this.jsonTokenField, token);
            body.addProperty(StsProtocol.JSON_EXPIRES_ON_FIELD, expiry);
            response.putHeader(StsProtocol.CONTENT_TYPE_HEADER, StsProtocol.JSON_CONTENT_TYPE).end(GSON.toJson(body));
        } else {
            response.putHeader(StsProtocol.CONTENT_TYPE_HEADER, StsProtocol.TEXT_CONTENT_TYPE).end(token);
        }
        LOG.debug("issued a token for {} expiring at {}", identity.resource, expiry);
    }

    private void answerWithFault(HttpServerRequest request, Fault fault) {
        HttpServerResponse response = request.response();
        switch (fault.kind()) {
        case DROP_CONNECTION:
            drop(request);
            return;
        case STATUS:
            if (fault.retryAfterSeconds() != null) {
                response.putHeader(StsProtocol.RETRY_AFTER_HEADER, String.valueOf(fault.retryAfterSeconds()));
            }
            if (fault.statusCode() < 200 || fault.statusCode() == 204 || fault.statusCode() == 304) {
                // These statuses carry no body (RFC 9110 section 6.4.1).
                response.setStatusCode(fault.statusCode()).end();
            } else {
                error(request, fault.statusCode(), "injected_status", "injected HTTP status " + fault.statusCode());
            }
            return;
        case EMPTY_BODY:
            response.setStatusCode(200).putHeader(StsProtocol.CONTENT_TYPE_HEADER, successContentType()).end();
            return;
        case HTML_BODY:
            response.setStatusCode(200).putHeader(StsProtocol.CONTENT_TYPE_HEADER, StsProtocol.HTML_CONTENT_TYPE)
                    .end("<!DOCTYPE html>\n<html><head><title>Network login</title></head>"
                            + "<body><h1>Please sign in to continue</h1></body></html>\n");
            return;
        case OVERSIZED_BODY:
            byte[] filler = new byte[fault.bodySize()];
            Arrays.fill(filler, (byte) 'A');
            response.setStatusCode(200).putHeader(StsProtocol.CONTENT_TYPE_HEADER, successContentType())
                    .end(Buffer.buffer(filler));
            return;
        case GARBLED_BODY:
            // Declared UTF-8 but not: a lone continuation byte, an overlong '/', a truncated sequence, 0xFF.
            byte[] prefix = "SharedAccessSignature sr=".getBytes(StandardCharsets.US_ASCII);
            byte[] garbage = { (byte) 0x80, (byte) 0xC0, (byte) 0xAF, (byte) 0xE2, (byte) 0x82, (byte) 0xFF,
                    (byte) 0xFE };
            response.setStatusCode(200).putHeader(StsProtocol.CONTENT_TYPE_HEADER, successContentType())
                    .end(Buffer.buffer(prefix).appendBytes(garbage));
            return;
        default:
            throw new IllegalStateException("not an exchange fault: " + fault);
        }
    }

    private String successContentType() {
        return this.responseFormat == ResponseFormat.JSON ? StsProtocol.JSON_CONTENT_TYPE
                : StsProtocol.TEXT_CONTENT_TYPE;
    }

    private static void drop(HttpServerRequest request) {
        request.connection().close();
    }

    private static void error(HttpServerRequest request, int status, String code, String message) {
        JsonObject body = new JsonObject();
        body.addProperty("error", code);
        body.addProperty("message", message);
        request.response().setStatusCode(status)
                .putHeader(StsProtocol.CONTENT_TYPE_HEADER, StsProtocol.JSON_CONTENT_TYPE)
                .end(GSON.toJson(body));
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Vert.x", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Vert.x did not answer within " + CLOSE_TIMEOUT_SECONDS + " s", e);
        }
    }
}
