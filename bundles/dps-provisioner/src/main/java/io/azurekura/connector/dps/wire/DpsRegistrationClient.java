package io.azurekura.connector.dps.wire;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.common.http.BoundedHttpExchange;
import io.azurekura.connector.common.http.HttpExchangeException;
import io.azurekura.connector.common.redact.Redactor;

/**
 * The DPS device runtime REST calls and nothing else: register, poll an operation, look up a registration. One
 * request per call, no retries, no waiting, no policy; answers are parsed into {@link DpsReply} and transport
 * failures classified into {@link DpsCallException}. The caller supplies the {@code authorization} token and owns
 * every decision about what the answer means.
 */
public final class DpsRegistrationClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DpsRegistrationClient.class);
    public static final String USER_AGENT = "azure-sts-connector-kura-dps/1";
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

    private final GlobalEndpoint endpoint;
    private final String apiVersion;
    private final Duration requestTimeout;
    private final int maxResponseBytes;
    private final BoundedHttpExchange http;
    private final AtomicLong requestsSent = new AtomicLong();

    public DpsRegistrationClient(GlobalEndpoint endpoint, String apiVersion, SSLContext sslContext,
            Duration requestTimeout, int maxResponseBytes) {
        this.endpoint = endpoint;
        this.apiVersion = apiVersion;
        this.requestTimeout = requestTimeout;
        this.maxResponseBytes = maxResponseBytes;
        // Our own connections and threads, all released by close(): Java 17's HttpClient cannot be closed.
        this.http = new BoundedHttpExchange("dps-http", sslContext, requestTimeout);
    }

    /**
     * {@code PUT /{idScope}/registrations/{registrationId}/register}; a billed DPS operation.
     *
     * @param timeLeft what is left of the caller's deadline: the request gets the lesser of it and the request
     *            timeout
     */
    public DpsReply register(String idScope, String registrationId, String payloadJson, String authorization,
            Duration timeLeft) throws DpsCallException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty(DpsProtocol.FIELD_REGISTRATION_ID, registrationId);
        if (payloadJson != null && !payloadJson.isBlank()) {
            // The REST API defines payload as a JSON object (the Java SDK's JSON-string form is its own quirk).
            body.add(DpsProtocol.FIELD_PAYLOAD, JsonParser.parseString(payloadJson));
        }
        URI uri = uri(idScope, registrationId, DpsProtocol.PATH_REGISTER);
        Duration timeout = timeout(timeLeft);
        HttpRequest request = json(uri, authorization, timeout).PUT(HttpRequest.BodyPublishers.ofString(
                body.toString(), StandardCharsets.UTF_8)).build();
        return operationReply(send(request, timeout));
    }

    /** {@code GET /{idScope}/registrations/{registrationId}/operations/{operationId}}; subject to the poll limit. */
    public DpsReply operationStatus(String idScope, String registrationId, String operationId, String authorization,
            Duration timeLeft) throws DpsCallException, InterruptedException {
        URI uri = uri(idScope, registrationId, DpsProtocol.PATH_OPERATIONS, operationId);
        Duration timeout = timeout(timeLeft);
        HttpRequest request = base(uri, authorization, timeout).GET().build();
        return operationReply(send(request, timeout));
    }

    /** {@code POST /{idScope}/registrations/{registrationId}}: the current registration, no new operation. */
    public DpsReply statusLookup(String idScope, String registrationId, String authorization, Duration timeLeft)
            throws DpsCallException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty(DpsProtocol.FIELD_REGISTRATION_ID, registrationId);
        URI uri = uri(idScope, registrationId);
        Duration timeout = timeout(timeLeft);
        HttpRequest request = json(uri, authorization, timeout).POST(HttpRequest.BodyPublishers.ofString(
                body.toString(), StandardCharsets.UTF_8)).build();
        HttpResponse<byte[]> response = send(request, timeout);
        int status = response.statusCode();
        if (!isSuccess(status)) {
            return errorReply(response);
        }
        JsonObject root = parseObject(response);
        return new DpsReply(status, BoundedHttpExchange.retryAfter(response, Instant.now()), null, registrationResult(root), null);
    }

    /** Requests sent so far, answered or not. */
    public long requestsSent() {
        return this.requestsSent.get();
    }

    private URI uri(String idScope, String registrationId, String... more) {
        StringBuilder path = new StringBuilder(this.endpoint.base().toString()).append('/')
                .append(encodeSegment(idScope)).append('/').append(DpsProtocol.PATH_REGISTRATIONS).append('/')
                .append(encodeSegment(registrationId));
        for (String segment : more) {
            path.append('/').append(encodeSegment(segment));
        }
        path.append('?').append(DpsProtocol.QUERY_API_VERSION).append('=').append(encodeSegment(this.apiVersion));
        return URI.create(path.toString());
    }

    /** Percent-encodes one path segment; refuses {@code .} and {@code ..}, which no encoding keeps from moving up. */
    private static String encodeSegment(String segment) {
        if (segment.isEmpty() || ".".equals(segment) || "..".equals(segment)) {
            throw new IllegalArgumentException("refusing an empty or relative ('.', '..') URL path segment");
        }
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The request timeout, shortened to what is left of the caller's deadline (at least 1 ms). */
    private Duration timeout(Duration timeLeft) {
        Duration shorter = timeLeft.compareTo(this.requestTimeout) < 0 ? timeLeft : this.requestTimeout;
        return shorter.compareTo(MIN_TIMEOUT) < 0 ? MIN_TIMEOUT : shorter;
    }

    private HttpRequest.Builder base(URI uri, String authorization, Duration timeout) {
        return HttpRequest.newBuilder(uri).timeout(timeout)
                .header(DpsProtocol.HEADER_ACCEPT, DpsProtocol.MEDIA_TYPE_JSON)
                .header(DpsProtocol.HEADER_USER_AGENT, USER_AGENT)
                .header(DpsProtocol.HEADER_AUTHORIZATION, authorization);
    }

    private HttpRequest.Builder json(URI uri, String authorization, Duration timeout) {
        return base(uri, authorization, timeout).header(DpsProtocol.HEADER_CONTENT_TYPE,
                DpsProtocol.CONTENT_TYPE_JSON);
    }

    private HttpResponse<byte[]> send(HttpRequest request, Duration timeout)
            throws DpsCallException, InterruptedException {
        this.requestsSent.incrementAndGet();
        try {
            HttpResponse<byte[]> response = this.http.send(request, this.maxResponseBytes, timeout);
            LOG.debug("DPS {} {} -> HTTP {}", request.method(), request.uri().getRawPath(), response.statusCode());
            return response;
        } catch (HttpExchangeException e) {
            throw classify(e);
        }
    }

    static DpsCallException classify(HttpExchangeException e) {
        switch (e.kind()) {
        case TOO_LARGE:
            return new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE,
                    "DPS's answer exceeds the configured maximum size");
        case CONNECT_TIMEOUT:
            return new DpsCallException(ProvisioningFailure.TIMEOUT, "connecting to DPS timed out");
        case TIMEOUT:
            return new DpsCallException(ProvisioningFailure.TIMEOUT, "DPS did not answer in time");
        case TLS:
            return new DpsCallException(ProvisioningFailure.TLS, "TLS with DPS failed: " + e.detail());
        case UNREACHABLE:
            return new DpsCallException(ProvisioningFailure.NETWORK, "cannot reach DPS: " + e.detail());
        case PROTOCOL:
            return new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE,
                    "DPS's answer is not HTTP/1.1: " + e.detail());
        case CLOSED:
            return new DpsCallException(ProvisioningFailure.NETWORK, "the DPS client was closed");
        default:
            return new DpsCallException(ProvisioningFailure.INTERNAL, "DPS request failed: " + e.detail());
        }
    }

    private static boolean isSuccess(int status) {
        return status >= 200 && status <= 299;
    }

    private DpsReply operationReply(HttpResponse<byte[]> response) throws DpsCallException {
        int status = response.statusCode();
        if (!isSuccess(status)) {
            return errorReply(response);
        }
        JsonObject root = parseObject(response);
        String operationId = string(root, DpsProtocol.FIELD_OPERATION_ID);
        String state = string(root, DpsProtocol.FIELD_STATUS);
        JsonElement registration = root.get(DpsProtocol.FIELD_REGISTRATION_STATE);
        if (registration != null && !registration.isJsonNull() && !registration.isJsonObject()) {
            throw new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE,
                    "DPS's registrationState is not a JSON object", status);
        }
        RegistrationResult result = registration == null || registration.isJsonNull() ? null
                : registrationResult(registration.getAsJsonObject());
        return new DpsReply(status, BoundedHttpExchange.retryAfter(response, Instant.now()), new OperationStatus(operationId, state, result), null,
                null);
    }

    private DpsReply errorReply(HttpResponse<byte[]> response) {
        DpsError error = new DpsError(null, null, null);
        try {
            JsonElement root = JsonParser.parseString(new String(response.body(), StandardCharsets.UTF_8));
            if (root.isJsonObject()) {
                JsonObject object = root.getAsJsonObject();
                error = new DpsError(integer(object.get(DpsProtocol.FIELD_ERROR_CODE)),
                        excerpt(object, DpsProtocol.FIELD_MESSAGE), excerpt(object, DpsProtocol.FIELD_TRACKING_ID));
            }
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            // An error status is classified by its code; a garbled body only loses the details.
        }
        return new DpsReply(response.statusCode(), BoundedHttpExchange.retryAfter(response, Instant.now()), null, null, error);
    }

    private static JsonObject parseObject(HttpResponse<byte[]> response) throws DpsCallException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(response.body()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE, "DPS's answer is not UTF-8 text",
                    response.statusCode());
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE,
                        "DPS's answer is not a JSON object", response.statusCode());
            }
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE, "DPS's answer (HTTP "
                    + response.statusCode() + ") is not valid JSON", response.statusCode());
        }
    }

    private static RegistrationResult registrationResult(JsonObject state) throws DpsCallException {
        JsonElement payload = state.get(DpsProtocol.FIELD_PAYLOAD);
        return new RegistrationResult(string(state, DpsProtocol.FIELD_REGISTRATION_ID),
                string(state, DpsProtocol.FIELD_STATUS), string(state, DpsProtocol.FIELD_ASSIGNED_HUB),
                string(state, DpsProtocol.FIELD_DEVICE_ID), string(state, DpsProtocol.FIELD_SUBSTATUS),
                integer(state.get(DpsProtocol.FIELD_ERROR_CODE)), excerpt(state, DpsProtocol.FIELD_ERROR_MESSAGE),
                string(state, DpsProtocol.FIELD_ETAG),
                payload == null || payload.isJsonNull() ? null : payload.toString());
    }

    /** A string field, null when absent or JSON null; anything else is a protocol violation. */
    private static String string(JsonObject object, String field) throws DpsCallException {
        JsonElement value = object.get(field);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE, "DPS's field '" + field
                    + "' is not a string");
        }
        return value.getAsString();
    }

    /** Free text from the server, redacted and shortened before it can reach a log line. */
    private static String excerpt(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value == null || value.isJsonNull() || !value.isJsonPrimitive() ? null
                : Redactor.excerpt(value.getAsString());
    }

    /** DPS error codes are numbers (e.g. 400209); tolerate them as strings too. */
    private static Integer integer(JsonElement value) {
        if (value == null || !value.isJsonPrimitive()) {
            return null;
        }
        JsonPrimitive primitive = value.getAsJsonPrimitive();
        try {
            return primitive.isNumber() ? primitive.getAsInt() : Integer.valueOf(primitive.getAsString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public void close() {
        this.http.close();
    }
}
