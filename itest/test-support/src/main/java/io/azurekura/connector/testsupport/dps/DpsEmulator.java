package io.azurekura.connector.testsupport.dps;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.azurekura.connector.testsupport.pki.TestPki;
import io.azurekura.connector.testsupport.sas.SasSigner;
import io.azurekura.connector.testsupport.sas.SasVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.KeyStoreOptions;

/**
 * A loopback Azure DPS (device runtime REST API) over HTTPS that keeps real state and verifies every credential:
 * <ul>
 * <li>{@code PUT /{idScope}/registrations/{id}/register} answers 202 {@code {operationId, status: assigning}} with
 * {@code Retry-After}; polls of {@code GET .../operations/{operationId}} answer {@code assigning} a configurable
 * number of times, then the outcome ({@code assigned} to the enrollment's hub, {@code failed}, {@code disabled});
 * {@code POST /{idScope}/registrations/{id}} returns the stored registration without a new operation.</li>
 * <li>SAS tokens are checked as DPS does: {@code sr} = {@code {idScope}/registrations/{id}} URL-encoded or not,
 * {@code skn} = {@code registration} or empty, HMAC over the literal {@code sr} with the individual enrollment key
 * or with the device key derived from a group key, and expiry (on the emulator's clock). Anything else: 401.</li>
 * <li>DPS's device polling limit (5 polls per 10 s per registration, not adjustable) is enforced with 429; each
 * over-limit poll is counted as a violation so tests can assert a client never trips it.</li>
 * <li>Faults ({@link DpsFault}) and outcomes ({@link RegistrationOutcome}) are injectable; requests are counted per
 * registration and per endpoint and logged (without tokens) for assertions.</li>
 * </ul>
 * JSON shapes follow the REST reference ({@code RegistrationOperationStatus}, {@code DeviceRegistrationResult},
 * {@code ProvisioningServiceErrorDetails}) and the Java SDK's parsers (provisioning-device-client 2.1.3).
 */
public final class DpsEmulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DpsEmulator.class);

    /** Only loopback: the emulator must never be reachable from the network. */
    public static final String BIND_ADDRESS = "127.0.0.1";
    /** DPS device polling limit: "5 polls per 10 s per device", not adjustable (DPS quotas documentation). */
    public static final int MAX_POLLS_PER_WINDOW = 5;
    public static final Duration POLL_WINDOW = Duration.ofSeconds(10);
    /** api-versions DPS serves for the device runtime API (the Java SDK uses 2019-03-31). */
    public static final Set<String> API_VERSIONS = Set.of("2019-03-31", "2021-06-01", "2021-10-01");
    /** The policy name DPS documents for registration tokens; the Java SDK sends an empty {@code skn=} instead. */
    public static final String REGISTRATION_KEY_NAME = "registration";

    private static final String JSON = "application/json; charset=utf-8";
    private static final long BLOCKING_CALL_TIMEOUT_SECONDS = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A symmetric key: an individual enrollment's own key, or a group key from which device keys are derived. */
    private record Enrollment(String key, String groupName) {
    }

    private record Authentication(Enrollment enrollment, SasVerifier.Verdict verdict) {
    }

    /**
     * @param verdict the SAS check's result, null when no check was made
     * @param delay how long to hold the answer back (zero: at once)
     */
    private record Reply(int status, Map<String, String> headers, String body, SasVerifier.Verdict verdict,
            Duration delay) {

        Reply(int status, Map<String, String> headers, String body) {
            this(status, headers, body, null, Duration.ZERO);
        }

        Reply checked(SasVerifier.Verdict tokenVerdict) {
            return new Reply(this.status, this.headers, this.body, tokenVerdict, this.delay);
        }

        Reply delayed(Duration by) {
            return new Reply(this.status, this.headers, this.body, this.verdict, by);
        }
    }

    private static final class Operation {
        final String id;
        final String registrationId;
        final RegistrationOutcome outcome;
        int polls;
        Registration result;

        Operation(String id, String registrationId, RegistrationOutcome outcome) {
            this.id = id;
            this.registrationId = registrationId;
            this.outcome = outcome;
        }
    }

    /** DPS's stored {@code DeviceRegistrationResult} for one registration id. */
    private static final class Registration {
        String registrationId;
        Instant created;
        Instant lastUpdated;
        String assignedHub;
        String deviceId;
        String status;
        String substatus;
        String etag;
        int errorCode;
        String errorMessage;
        JsonElement payload;
    }

    private static final class Counts {
        long register;
        long polls;
        long lookups;
        long unauthorized;
        long throttled;
        long violations;
        long assignments;
        final Deque<Long> recentPolls = new ArrayDeque<>();
        String lastRequestPayload;

        RegistrationCounters snapshot() {
            return new RegistrationCounters(this.register, this.polls, this.lookups, this.unauthorized,
                    this.throttled, this.violations, this.assignments);
        }
    }

    private final Clock clock;
    private final Set<String> idScopes;
    private final String defaultHub;
    private final Vertx vertx;
    private final HttpServer server;
    private final int port;

    private final Map<String, Enrollment> individual = new HashMap<>();
    private final Map<String, Enrollment> groups = new LinkedHashMap<>();
    private final Map<String, RegistrationOutcome> outcomes = new HashMap<>();
    private final Map<String, String> hubOverrides = new HashMap<>();
    private final Map<String, Operation> operations = new HashMap<>();
    private final Map<String, Registration> registrations = new HashMap<>();
    private final Map<String, Counts> counts = new HashMap<>();
    private final Map<DpsEndpoint, Long> endpointCounts = new EnumMap<>(DpsEndpoint.class);
    private final List<DpsFault> faults = new ArrayList<>();
    private final List<DpsRequest> requests = new ArrayList<>();
    private int pollsBeforeAssigned;
    private Integer retryAfterSeconds;
    private String responsePayload;
    private long unmatchedRequests;

    private DpsEmulator(Builder builder) {
        this.clock = builder.clock;
        this.idScopes = Set.copyOf(builder.idScopes);
        this.defaultHub = builder.hub;
        this.pollsBeforeAssigned = builder.pollsBeforeAssigned;
        this.retryAfterSeconds = builder.retryAfterSeconds;
        this.responsePayload = builder.responsePayload;
        HttpServerOptions options = new HttpServerOptions().setHost(BIND_ADDRESS).setPort(builder.port).setSsl(true)
                .setKeyCertOptions(new KeyStoreOptions().setType("PKCS12")
                        .setValue(Buffer.buffer(TestPki.toBytes(builder.pki.serverKeyStore())))
                        .setPassword(new String(TestPki.PASSWORD)).setAlias(TestPki.SERVER_ALIAS)
                        .setAliasPassword(new String(TestPki.PASSWORD)));
        // One event loop: requests are handled one at a time, in arrival order.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        HttpServer created = this.vertx.createHttpServer(options);
        created.requestHandler(this::onRequest);
        try {
            this.server = await(created.listen());
        } catch (RuntimeException e) {
            this.vertx.close();
            throw e;
        }
        this.port = this.server.actualPort();
        LOG.info("DPS emulator listening on https://{}:{} for ID scopes {}", BIND_ADDRESS, this.port, this.idScopes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts an emulator. */
    public static final class Builder {
        private final Set<String> idScopes = new java.util.LinkedHashSet<>();
        private String hub = "emulated-hub.azure-devices.net";
        private int pollsBeforeAssigned = 1;
        private Integer retryAfterSeconds = 3;
        private String responsePayload;
        private Clock clock = Clock.systemUTC();
        private TestPki pki = TestPki.shared();
        private int port;

        /** An ID scope this DPS instance serves (at least one). */
        public Builder idScope(String idScope) {
            this.idScopes.add(idScope.toLowerCase(Locale.ROOT));
            return this;
        }

        /** The hub enrollments are assigned to unless they name their own. */
        public Builder assignedHub(String hubHost) {
            this.hub = hubHost;
            return this;
        }

        /** How many polls answer {@code assigning} before the outcome (0: the first poll has it). */
        public Builder pollsBeforeAssigned(int polls) {
            this.pollsBeforeAssigned = polls;
            return this;
        }

        /** {@code Retry-After} on 202 answers; null sends none. DPS's documented example is 3. */
        public Builder retryAfterSeconds(Integer seconds) {
            this.retryAfterSeconds = seconds;
            return this;
        }

        /** JSON returned in {@code registrationState.payload} when assigned (a custom allocation's reply). */
        public Builder responsePayload(String json) {
            this.responsePayload = json;
            return this;
        }

        /** The clock for token expiry, the polling limit and timestamps (tests may share a virtual one). */
        public Builder clock(Clock emulatorClock) {
            this.clock = emulatorClock;
            return this;
        }

        public Builder pki(TestPki testPki) {
            this.pki = testPki;
            return this;
        }

        /** 0 (default): any free port. */
        public Builder port(int listenPort) {
            this.port = listenPort;
            return this;
        }

        public DpsEmulator start() {
            if (this.idScopes.isEmpty()) {
                throw new IllegalStateException("the emulator needs at least one ID scope");
            }
            return new DpsEmulator(this);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Set-up

    public int port() {
        return this.port;
    }

    /** {@code localhost:<port>}, the form DPS clients take as their global endpoint. */
    public String globalEndpoint() {
        return "localhost:" + this.port;
    }

    /** An individual enrollment with its own symmetric key (base64), assigned to the default hub. */
    public synchronized DpsEmulator enrollIndividual(String registrationId, String base64Key) {
        this.individual.put(key(registrationId), new Enrollment(base64Key, null));
        return this;
    }

    /** A symmetric-key group: any registration id whose token is signed with HMAC(groupKey, registrationId). */
    public synchronized DpsEmulator enrollGroup(String groupName, String base64GroupKey) {
        this.groups.put(groupName, new Enrollment(base64GroupKey, groupName));
        return this;
    }

    /** Assigns this registration to another hub from its next registration on (as a changed allocation would). */
    public synchronized DpsEmulator reassign(String registrationId, String hubHost) {
        this.hubOverrides.put(key(registrationId), hubHost);
        return this;
    }

    /** How the next operations of this registration end (default {@link RegistrationOutcome#assigned()}). */
    public synchronized DpsEmulator setOutcome(String registrationId, RegistrationOutcome outcome) {
        this.outcomes.put(key(registrationId), outcome);
        return this;
    }

    public synchronized DpsEmulator setPollsBeforeAssigned(int polls) {
        this.pollsBeforeAssigned = polls;
        return this;
    }

    public synchronized DpsEmulator setRetryAfterSeconds(Integer seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    public synchronized DpsEmulator setResponsePayload(String json) {
        this.responsePayload = json;
        return this;
    }

    /** Queues faults; each request takes the first matching fault with uses left. */
    public synchronized DpsEmulator inject(DpsFault... injected) {
        this.faults.addAll(List.of(injected));
        return this;
    }

    public synchronized void clearFaults() {
        this.faults.clear();
    }

    /** Forgets every stored registration (as deleting them in the portal would); enrollments stay. */
    public synchronized void deleteRegistrations() {
        this.registrations.clear();
        this.operations.clear();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Observation

    public synchronized RegistrationCounters counters(String registrationId) {
        Counts c = this.counts.get(key(registrationId));
        return c == null ? RegistrationCounters.NONE : c.snapshot();
    }

    public synchronized long requests(DpsEndpoint endpoint) {
        return this.endpointCounts.getOrDefault(endpoint, 0L);
    }

    /** Every request received, including ones that matched no endpoint. */
    public synchronized long totalRequests() {
        return this.endpointCounts.values().stream().mapToLong(Long::longValue).sum() + this.unmatchedRequests;
    }

    /** Polls over DPS's limit, for all registrations. A well-behaved client keeps this at zero. */
    public synchronized long pollLimitViolations() {
        return this.counts.values().stream().mapToLong(c -> c.violations).sum();
    }

    public synchronized List<DpsRequest> requestLog() {
        return List.copyOf(this.requests);
    }

    /** The {@code payload} of the last register request for this registration, as JSON text (null if none). */
    public synchronized String lastRequestPayload(String registrationId) {
        Counts c = this.counts.get(key(registrationId));
        return c == null ? null : c.lastRequestPayload;
    }

    /** The hub the stored registration is assigned to, if DPS has assigned it. */
    public synchronized String assignedHub(String registrationId) {
        Registration r = this.registrations.get(key(registrationId));
        return r == null ? null : r.assignedHub;
    }

    /** Clears counters and the request log; state (registrations, operations) stays. */
    public synchronized void resetCounters() {
        this.counts.clear();
        this.endpointCounts.clear();
        this.requests.clear();
        this.unmatchedRequests = 0;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Protocol

    private void onRequest(HttpServerRequest request) {
        request.body().onComplete(ar -> {
            Reply reply;
            if (ar.failed()) {
                reply = error(400, 400004, "Malformed request body.");
            } else {
                try {
                    reply = handle(request, ar.result().toString(StandardCharsets.UTF_8));
                } catch (RuntimeException e) {
                    LOG.warn("DPS emulator bug while answering {} {}: {}", request.method(), request.path(),
                            e.toString());
                    reply = error(500, 500000, "Emulator error.");
                }
            }
            if (reply.delay().isZero()) {
                send(request, reply);
            } else {
                Reply held = reply;
                this.vertx.setTimer(Math.max(1, reply.delay().toMillis()), timer -> send(request, held));
            }
        });
    }

    private static void send(HttpServerRequest request, Reply reply) {
        HttpServerResponse response = request.response();
        if (response.closed()) {
            return; // the client gave up waiting
        }
        response.setStatusCode(reply.status());
        reply.headers().forEach(response::putHeader);
        response.end(reply.body() == null ? "" : reply.body());
    }

    private synchronized Reply handle(HttpServerRequest request, String body) {
        Instant now = this.clock.instant();
        String method = request.method().name();
        String[] segments = request.path().split("/", -1);
        String idScope = segments.length > 1 ? decode(segments[1]) : null;
        String registrationId = segments.length > 3 ? decode(segments[3]) : null;
        DpsEndpoint endpoint = null;
        String operationId = null;
        if (segments.length >= 4 && "registrations".equals(segments[2]) && !registrationId.isEmpty()) {
            if (segments.length == 5 && "register".equals(segments[4]) && "PUT".equals(method)) {
                endpoint = DpsEndpoint.REGISTER;
            } else if (segments.length == 6 && "operations".equals(segments[4]) && "GET".equals(method)) {
                endpoint = DpsEndpoint.OPERATION_STATUS;
                operationId = decode(segments[5]);
            } else if (segments.length == 4 && "POST".equals(method)) {
                endpoint = DpsEndpoint.STATUS_LOOKUP;
            }
        }
        String authorization = request.getHeader("authorization");
        Reply reply;
        if (endpoint == null) {
            this.unmatchedRequests++;
            reply = error(404, 404000, "Resource not found.");
        } else {
            this.endpointCounts.merge(endpoint, 1L, Long::sum);
            reply = answer(endpoint, request, now, idScope, registrationId, operationId, authorization, body);
        }
        this.requests.add(new DpsRequest(now, method, request.path(), endpoint, idScope, registrationId,
                request.getParam("api-version"), request.getHeader("User-Agent"), request.getHeader("Content-Type"),
                request.getHeader("Accept"), authorization, body, reply.status(), reply.verdict()));
        LOG.debug("DPS emulator: {} {} -> {}", method, request.path(), reply.status());
        return reply;
    }

    private Reply answer(DpsEndpoint endpoint, HttpServerRequest request, Instant now, String idScope,
            String registrationId, String operationId, String authorization, String body) {
        Counts c = this.counts.computeIfAbsent(key(registrationId), k -> new Counts());
        switch (endpoint) {
        case REGISTER:
            c.register++;
            break;
        case OPERATION_STATUS:
            c.polls++;
            break;
        default:
            c.lookups++;
        }
        if (endpoint == DpsEndpoint.OPERATION_STATUS) {
            long nowMillis = now.toEpochMilli();
            while (!c.recentPolls.isEmpty() && c.recentPolls.peekFirst() <= nowMillis - POLL_WINDOW.toMillis()) {
                c.recentPolls.removeFirst();
            }
            c.recentPolls.addLast(nowMillis);
            if (c.recentPolls.size() > MAX_POLLS_PER_WINDOW) {
                c.violations++;
                c.throttled++;
                long waitMillis = c.recentPolls.peekFirst() + POLL_WINDOW.toMillis() - nowMillis;
                LOG.warn("DPS emulator: polling limit exceeded for {} ({} polls in {} s)", registrationId,
                        c.recentPolls.size(), POLL_WINDOW.getSeconds());
                return withRetryAfter(error(429, 429002, "Device polling limit exceeded: at most "
                        + MAX_POLLS_PER_WINDOW + " polls per " + POLL_WINDOW.getSeconds() + " s."),
                        (int) Math.max(1, (waitMillis + 999) / 1000));
            }
        }
        DpsFault slow = delayFault(endpoint, registrationId);
        Reply faulted = fault(endpoint, registrationId, c);
        if (faulted != null) {
            return slow == null ? faulted : faulted.delayed(slow.delay);
        }
        Reply normal = normalAnswer(endpoint, request, now, idScope, registrationId, operationId, authorization,
                body, c);
        return slow == null ? normal : normal.delayed(slow.delay);
    }

    /** Takes (uses up) the first delay fault matching this request, if any. */
    private DpsFault delayFault(DpsEndpoint endpoint, String registrationId) {
        for (DpsFault fault : this.faults) {
            if (fault.kind == DpsFault.Kind.DELAY && fault.matches(endpoint, key(registrationId))) {
                if (fault.remaining != Integer.MAX_VALUE) {
                    fault.remaining--;
                }
                return fault;
            }
        }
        return null;
    }

    private Reply normalAnswer(DpsEndpoint endpoint, HttpServerRequest request, Instant now, String idScope,
            String registrationId, String operationId, String authorization, String body, Counts c) {
        String apiVersion = request.getParam("api-version");
        if (apiVersion == null || !API_VERSIONS.contains(apiVersion)) {
            return error(400, 400001, "Invalid or missing api-version.");
        }
        if (!this.idScopes.contains(idScope.toLowerCase(Locale.ROOT))) {
            return error(404, 404001, "The ID scope is not known to this provisioning service.");
        }
        Authentication auth = authenticate(idScope, registrationId, authorization, now);
        if (auth.enrollment() == null) {
            c.unauthorized++;
            return error(401, 401002, "The request is unauthorized. Unauthorized").checked(auth.verdict());
        }
        switch (endpoint) {
        case REGISTER:
            return register(request, registrationId, body, c).checked(auth.verdict());
        case OPERATION_STATUS:
            return poll(now, registrationId, operationId, c).checked(auth.verdict());
        default:
            Registration stored = this.registrations.get(key(registrationId));
            if (stored == null) {
                return error(404, 404202, "Device registration not found.").checked(auth.verdict());
            }
            return json(200, registrationJson(stored)).checked(auth.verdict());
        }
    }

    private Reply fault(DpsEndpoint endpoint, String registrationId, Counts c) {
        for (DpsFault fault : this.faults) {
            if (fault.kind == DpsFault.Kind.DELAY || !fault.matches(endpoint, key(registrationId))) {
                continue;
            }
            if (fault.remaining != Integer.MAX_VALUE) {
                fault.remaining--;
            }
            switch (fault.kind) {
            case THROTTLE:
                c.throttled++;
                Reply throttled = error(429, fault.errorCode, fault.message);
                return fault.retryAfterSeconds == null ? throttled : withRetryAfter(throttled,
                        fault.retryAfterSeconds);
            case UNAUTHORIZED:
                c.unauthorized++;
                return error(fault.httpStatus, fault.errorCode, fault.message);
            case MALFORMED_JSON:
                return new Reply(endpoint == DpsEndpoint.REGISTER ? 202 : 200, Map.of("Content-Type", JSON),
                        "{\"operationId\": \"5.0000\", \"status\": assign");
            case RAW:
                return new Reply(fault.httpStatus, fault.headers, fault.message);
            default:
                return error(fault.httpStatus, fault.errorCode, fault.message);
            }
        }
        return null;
    }

    /** Finds the enrollment whose key signed the token; otherwise the verdict of the closest match. */
    private Authentication authenticate(String idScope, String registrationId, String authorization, Instant now) {
        if (authorization == null) {
            return new Authentication(null, null);
        }
        SasVerifier.Parsed parsed = SasVerifier.parse(authorization);
        if (parsed == null) {
            return new Authentication(null, SasVerifier.Verdict.MALFORMED);
        }
        if (parsed.keyName != null && !parsed.keyName.isEmpty() && !REGISTRATION_KEY_NAME.equals(parsed.keyName)) {
            // A policy other than "registration" (e.g. a hub's "device") names another audience.
            return new Authentication(null, SasVerifier.Verdict.WRONG_AUDIENCE);
        }
        String resource = idScope + "/registrations/" + registrationId;
        long nowSeconds = now.getEpochSecond();
        List<Enrollment> candidates = new ArrayList<>();
        Enrollment own = this.individual.get(key(registrationId));
        if (own != null) {
            candidates.add(own);
        }
        candidates.addAll(this.groups.values());
        SasVerifier.Verdict closest = SasVerifier.Verdict.BAD_SIGNATURE;
        for (Enrollment candidate : candidates) {
            // Group enrollments: device key = HMAC-SHA256(groupKey, registrationId) (DPS symmetric key docs).
            String deviceKey = candidate.groupName() == null ? candidate.key()
                    : SasSigner.deriveDeviceKey(candidate.key(), registrationId);
            SasVerifier.Verdict v = SasVerifier.verify(authorization, resource, deviceKey, nowSeconds);
            if (v == SasVerifier.Verdict.OK) {
                return new Authentication(candidate, v);
            }
            if (v != SasVerifier.Verdict.BAD_SIGNATURE) {
                closest = v;
            }
        }
        return new Authentication(null, closest);
    }

    private Reply register(HttpServerRequest request, String registrationId, String body, Counts c) {
        String contentType = request.getHeader("Content-Type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return error(415, 415000, "Content-Type must be application/json.");
        }
        JsonObject document;
        try {
            JsonElement parsed = JsonParser.parseString(body);
            document = parsed.isJsonObject() ? parsed.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            document = null;
        }
        if (document == null) {
            return error(400, 400004, "Malformed request body.");
        }
        JsonElement bodyId = document.get("registrationId");
        if (bodyId == null || !bodyId.isJsonPrimitive()
                || !bodyId.getAsString().equalsIgnoreCase(registrationId)) {
            return error(400, 400004, "registrationId in the body does not match the request path.");
        }
        JsonElement payload = document.get("payload");
        // The REST API defines payload as a JSON object; the Java SDK sends it as a JSON string holding the object.
        c.lastRequestPayload = payload == null || payload.isJsonNull() ? null
                : payload.isJsonPrimitive() ? payload.getAsString() : payload.toString();
        String operationId = "5." + HexFormat.of().formatHex(randomBytes(8)) + "." + UUID.randomUUID();
        RegistrationOutcome outcome = this.outcomes.getOrDefault(key(registrationId), RegistrationOutcome.assigned());
        Operation operation = new Operation(operationId, registrationId, outcome);
        this.operations.put(operationId, operation);
        JsonObject status = new JsonObject();
        status.addProperty("operationId", operationId);
        status.addProperty("status", "assigning");
        Reply reply = json(202, status);
        return this.retryAfterSeconds == null ? reply : withRetryAfter(reply, this.retryAfterSeconds);
    }

    private Reply poll(Instant now, String registrationId, String operationId, Counts c) {
        Operation operation = this.operations.get(operationId);
        if (operation == null || !operation.registrationId.equalsIgnoreCase(registrationId)) {
            return error(404, 404203, "Operation not found.");
        }
        JsonObject status = new JsonObject();
        status.addProperty("operationId", operation.id);
        if (operation.result == null) {
            operation.polls++;
            if (operation.outcome.kind == RegistrationOutcome.Kind.ASSIGNING_FOREVER
                    || operation.polls <= this.pollsBeforeAssigned) {
                status.addProperty("status", "assigning");
                JsonObject state = new JsonObject();
                state.addProperty("registrationId", registrationId);
                state.addProperty("status", "assigning");
                status.add("registrationState", state);
                Reply reply = json(202, status);
                return this.retryAfterSeconds == null ? reply : withRetryAfter(reply, this.retryAfterSeconds);
            }
            operation.result = complete(now, operation, c);
        }
        status.addProperty("status", operation.result.status);
        status.add("registrationState", registrationJson(operation.result));
        return json(200, status);
    }

    private Registration complete(Instant now, Operation operation, Counts c) {
        String k = key(operation.registrationId);
        Registration previous = this.registrations.get(k);
        Registration r = new Registration();
        r.registrationId = operation.registrationId;
        r.created = previous == null ? now : previous.created;
        r.lastUpdated = now;
        r.etag = "\"" + UUID.randomUUID() + "\"";
        switch (operation.outcome.kind) {
        case FAILED:
            r.status = "failed";
            r.errorCode = operation.outcome.errorCode;
            r.errorMessage = operation.outcome.errorMessage;
            break;
        case DISABLED:
            r.status = "disabled";
            r.errorCode = operation.outcome.errorCode;
            r.errorMessage = operation.outcome.errorMessage;
            break;
        default:
            r.status = "assigned";
            String hub = this.hubOverrides.getOrDefault(k, this.defaultHub);
            r.assignedHub = hub;
            r.deviceId = operation.registrationId;
            // DPS's default reprovisioning policy moves the device and migrates its data when the hub changes.
            r.substatus = previous != null && previous.assignedHub != null && !previous.assignedHub.equals(hub)
                    ? "deviceDataMigrated" : "initialAssignment";
            r.payload = this.responsePayload == null ? null : JsonParser.parseString(this.responsePayload);
            c.assignments++;
        }
        this.registrations.put(k, r);
        return r;
    }

    private static JsonObject registrationJson(Registration r) {
        JsonObject state = new JsonObject();
        state.addProperty("registrationId", r.registrationId);
        state.addProperty("createdDateTimeUtc", r.created.toString());
        if (r.assignedHub != null) {
            state.addProperty("assignedHub", r.assignedHub);
            state.addProperty("deviceId", r.deviceId);
        }
        state.addProperty("status", r.status);
        if (r.substatus != null) {
            state.addProperty("substatus", r.substatus);
        }
        if (r.errorMessage != null) {
            state.addProperty("errorCode", r.errorCode);
            state.addProperty("errorMessage", r.errorMessage);
        }
        state.addProperty("lastUpdatedDateTimeUtc", r.lastUpdated.toString());
        state.addProperty("etag", r.etag);
        if (r.payload != null) {
            state.add("payload", r.payload);
        }
        return state;
    }

    private Reply error(int status, int errorCode, String message) {
        JsonObject body = new JsonObject();
        body.addProperty("errorCode", errorCode);
        body.addProperty("trackingId", UUID.randomUUID().toString());
        body.addProperty("message", message);
        body.addProperty("timestampUtc", this.clock.instant().toString());
        return json(status, body);
    }

    private static Reply json(int status, JsonObject body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", JSON);
        return new Reply(status, headers, body.toString());
    }

    private static Reply withRetryAfter(Reply reply, int seconds) {
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        headers.put("Retry-After", String.valueOf(seconds));
        return new Reply(reply.status(), headers, reply.body());
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }

    /** DPS registration ids are case-insensitive. */
    private static String key(String registrationId) {
        return registrationId == null ? "" : registrationId.toLowerCase(Locale.ROOT);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(BLOCKING_CALL_TIMEOUT_SECONDS,
                    TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("DPS emulator: " + e.getMessage(), e);
        }
    }

    /** Stops listening and stops every Vert.x thread; the port is free afterwards. */
    @Override
    public void close() {
        try {
            await(this.server.close());
        } catch (IllegalStateException e) {
            LOG.warn("DPS emulator did not close its server cleanly: {}", e.getMessage());
        } finally {
            await(this.vertx.close());
        }
    }
}
