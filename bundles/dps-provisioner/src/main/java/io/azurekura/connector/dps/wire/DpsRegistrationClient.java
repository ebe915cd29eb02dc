package io.azurekura.connector.dps.wire;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
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

    private final GlobalEndpoint endpoint;
    private final String apiVersion;
    private final Duration requestTimeout;
    private final int maxResponseBytes;
    private final ExecutorService executor;
    private final HttpClient client;
    private final AtomicLong requestsSent = new AtomicLong();

    public DpsRegistrationClient(GlobalEndpoint endpoint, String apiVersion, SSLContext sslContext,
            Duration requestTimeout, int maxResponseBytes) {
        this.endpoint = endpoint;
        this.apiVersion = apiVersion;
        this.requestTimeout = requestTimeout;
        this.maxResponseBytes = maxResponseBytes;
        // Our own executor so that closing this client stops the threads it used (JDK 17 HttpClient has no close).
        this.executor = Executors.newCachedThreadPool(new NamedThreadFactory("dps-http"));
        HttpClient.Builder builder = HttpClient.newBuilder().executor(this.executor).connectTimeout(requestTimeout)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER);
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.client = builder.build();
    }

    /** {@code PUT /{idScope}/registrations/{registrationId}/register}; a billed DPS operation. */
    public DpsReply register(String idScope, String registrationId, String payloadJson, String authorization)
            throws DpsCallException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty(DpsProtocol.FIELD_REGISTRATION_ID, registrationId);
        if (payloadJson != null && !payloadJson.isBlank()) {
            // The REST API defines payload as a JSON object (the Java SDK's JSON-string form is its own quirk).
            body.add(DpsProtocol.FIELD_PAYLOAD, JsonParser.parseString(payloadJson));
        }
        URI uri = uri(idScope, registrationId, DpsProtocol.PATH_REGISTER);
        HttpRequest request = json(uri, authorization).PUT(HttpRequest.BodyPublishers.ofString(body.toString(),
                StandardCharsets.UTF_8)).build();
        return operationReply(send(request));
    }

    /** {@code GET /{idScope}/registrations/{registrationId}/operations/{operationId}}; subject to the poll limit. */
    public DpsReply operationStatus(String idScope, String registrationId, String operationId, String authorization)
            throws DpsCallException, InterruptedException {
        URI uri = uri(idScope, registrationId, DpsProtocol.PATH_OPERATIONS, operationId);
        HttpRequest request = base(uri, authorization).GET().build();
        return operationReply(send(request));
    }

    /** {@code POST /{idScope}/registrations/{registrationId}}: the current registration, no new operation. */
    public DpsReply statusLookup(String idScope, String registrationId, String authorization)
            throws DpsCallException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty(DpsProtocol.FIELD_REGISTRATION_ID, registrationId);
        URI uri = uri(idScope, registrationId);
        HttpRequest request = json(uri, authorization).POST(HttpRequest.BodyPublishers.ofString(body.toString(),
                StandardCharsets.UTF_8)).build();
        HttpResponse<byte[]> response = send(request);
        int status = response.statusCode();
        if (!isSuccess(status)) {
            return errorReply(response);
        }
        JsonObject root = parseObject(response);
        return new DpsReply(status, retryAfter(response), null, registrationResult(root), null);
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

    private static String encodeSegment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder base(URI uri, String authorization) {
        return HttpRequest.newBuilder(uri).timeout(this.requestTimeout)
                .header(DpsProtocol.HEADER_ACCEPT, DpsProtocol.MEDIA_TYPE_JSON)
                .header(DpsProtocol.HEADER_USER_AGENT, USER_AGENT)
                .header(DpsProtocol.HEADER_AUTHORIZATION, authorization);
    }

    private HttpRequest.Builder json(URI uri, String authorization) {
        return base(uri, authorization).header(DpsProtocol.HEADER_CONTENT_TYPE, DpsProtocol.CONTENT_TYPE_JSON);
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws DpsCallException, InterruptedException {
        this.requestsSent.incrementAndGet();
        CompletableFuture<HttpResponse<byte[]>> exchange = this.client.sendAsync(request,
                info -> new CappedBodySubscriber(this.maxResponseBytes));
        try {
            // The request timeout covers the response headers only; bound the whole exchange, body included.
            HttpResponse<byte[]> response = exchange.get(this.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.debug("DPS {} {} -> HTTP {}", request.method(), request.uri().getRawPath(), response.statusCode());
            return response;
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new DpsCallException(ProvisioningFailure.TIMEOUT, "no complete answer from DPS within "
                    + this.requestTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw classify(e.getCause());
        }
    }

    static DpsCallException classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof CappedBodySubscriber.TooLargeException) {
                return new DpsCallException(ProvisioningFailure.MALFORMED_RESPONSE,
                        "DPS's answer exceeds the configured maximum size");
            }
            if (t instanceof HttpConnectTimeoutException) {
                return new DpsCallException(ProvisioningFailure.TIMEOUT, "connecting to DPS timed out");
            }
            if (t instanceof HttpTimeoutException) {
                return new DpsCallException(ProvisioningFailure.TIMEOUT, "DPS did not answer in time");
            }
            if (t instanceof SSLException) {
                return new DpsCallException(ProvisioningFailure.TLS, "TLS with DPS failed: "
                        + Redactor.excerpt(t.getMessage()));
            }
            if (t instanceof ConnectException || t instanceof java.nio.channels.UnresolvedAddressException
                    || t instanceof java.net.UnknownHostException) {
                return new DpsCallException(ProvisioningFailure.NETWORK, "cannot connect to DPS: "
                        + Redactor.excerpt(String.valueOf(t.getMessage())));
            }
        }
        if (error instanceof IOException) {
            return new DpsCallException(ProvisioningFailure.NETWORK, "the connection to DPS failed: "
                    + Redactor.excerpt(String.valueOf(error.getMessage())));
        }
        return new DpsCallException(ProvisioningFailure.INTERNAL, "DPS request failed: "
                + Redactor.excerpt(String.valueOf(error)));
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
        return new DpsReply(status, retryAfter(response), new OperationStatus(operationId, state, result), null,
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
        return new DpsReply(response.statusCode(), retryAfter(response), null, null, error);
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

    /** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    static Duration retryAfter(HttpResponse<?> response) {
        String value = response.headers().firstValue(DpsProtocol.HEADER_RETRY_AFTER).orElse(null);
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.matches("[0-9]{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(trimmed));
        }
        try {
            Duration until = Duration.between(Instant.now(),
                    ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public void close() {
        this.executor.shutdownNow();
    }
}
