package io.azurekura.connector.dps.wire;

import java.time.Duration;

/**
 * Wire facts of the DPS device runtime REST API, kept in one place. Sources: the DPS REST reference (Runtime
 * Registration: RegisterDevice, OperationStatusLookup, DeviceRegistrationStatusLookup), the "HTTPS symmetric key"
 * how-to, DPS quota documentation, and the Java DPS client 2.1.3 ({@code UrlPathBuilder}, {@code ContractAPIHttp},
 * {@code DeviceRegistrationResultParser}).
 */
public final class DpsProtocol {

    /** The global device endpoint; {@code host[:port]} in configuration. */
    public static final String DEFAULT_GLOBAL_ENDPOINT = "global.azure-devices-provisioning.net";
    /** The api-version of the C SDK and Azure IoT Identity Service; the Java SDK still sends 2019-03-31. */
    public static final String DEFAULT_API_VERSION = "2021-06-01";

    public static final String QUERY_API_VERSION = "api-version";
    public static final String PATH_REGISTRATIONS = "registrations";
    /** {@code PUT /{idScope}/registrations/{registrationId}/register}. */
    public static final String PATH_REGISTER = "register";
    /** {@code GET /{idScope}/registrations/{registrationId}/operations/{operationId}}. */
    public static final String PATH_OPERATIONS = "operations";
    // POST /{idScope}/registrations/{registrationId} (status lookup) has no extra path segment.

    public static final String HEADER_AUTHORIZATION = "authorization";
    public static final String HEADER_RETRY_AFTER = "Retry-After";
    public static final String HEADER_ACCEPT = "Accept";
    public static final String HEADER_CONTENT_TYPE = "Content-Type";
    public static final String HEADER_USER_AGENT = "User-Agent";
    public static final String MEDIA_TYPE_JSON = "application/json";
    /** What the Java SDK sends; DPS answers 415 to anything but JSON. */
    public static final String CONTENT_TYPE_JSON = "application/json; charset=utf-8";

    // DeviceRegistration (request body)
    public static final String FIELD_REGISTRATION_ID = "registrationId";
    public static final String FIELD_PAYLOAD = "payload";

    // RegistrationOperationStatus
    public static final String FIELD_OPERATION_ID = "operationId";
    public static final String FIELD_STATUS = "status";
    public static final String FIELD_REGISTRATION_STATE = "registrationState";

    // DeviceRegistrationResult
    public static final String FIELD_ASSIGNED_HUB = "assignedHub";
    public static final String FIELD_DEVICE_ID = "deviceId";
    public static final String FIELD_SUBSTATUS = "substatus";
    public static final String FIELD_ERROR_CODE = "errorCode";
    public static final String FIELD_ERROR_MESSAGE = "errorMessage";
    public static final String FIELD_ETAG = "etag";
    public static final String FIELD_CREATED = "createdDateTimeUtc";
    public static final String FIELD_LAST_UPDATED = "lastUpdatedDateTimeUtc";

    // ProvisioningServiceErrorDetails
    public static final String FIELD_MESSAGE = "message";
    public static final String FIELD_TRACKING_ID = "trackingId";

    /** Operation {@code status} values: the first two mean "keep polling". */
    public static final String STATUS_UNASSIGNED = "unassigned";
    public static final String STATUS_ASSIGNING = "assigning";
    public static final String STATUS_ASSIGNED = "assigned";
    public static final String STATUS_FAILED = "failed";
    public static final String STATUS_DISABLED = "disabled";

    /** "Device polling: 5 per 10 seconds per device", not adjustable (DPS quotas and limits). */
    public static final int MAX_POLLS_PER_WINDOW = 5;
    public static final Duration POLL_WINDOW = Duration.ofSeconds(10);
    /** DPS's documented example Retry-After, used when a 202 carries none. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(3);
    // Registration and device ids: io.azurekura.connector.api.token.IdentityIds holds DPS's and IoT Hub's rules.

    /** ID scopes look like {@code 0ne00000000}; the bound only keeps a garbled value out of URLs and logs. */
    public static final int MAX_ID_SCOPE_LENGTH = 64;
    public static final String ID_SCOPE_PATTERN = "[A-Za-z0-9]+";

    /**
     * Operation ids as DPS sends them ({@code 5.316aa2b6ac1dc5e3.a8a1d3a4-...}): our own strict rule, since DPS
     * documents none. 1 to 128 of letters, digits, {@code .}, {@code _} and {@code -}, starting with a letter or
     * digit, so {@code .}, {@code ..} and anything a URL would read as a path, query or fragment is refused before
     * it becomes a path segment (docs/dps.md).
     */
    public static final String OPERATION_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";

    /**
     * Host name suffixes of IoT Hubs in Azure's clouds today: public ({@code azure-devices.net}, which also covers
     * the {@code <hub>.device.azure-devices.net} TLS 1.3 endpoints), China ({@code azure-devices.cn}) and US
     * Government ({@code azure-devices.us}). {@code azure-devices.de} is left out: Microsoft Cloud Germany closed
     * on 2021-10-29 (docs/dps.md).
     */
    public static final String DEFAULT_HUB_SUFFIXES_SETTING = "azure-devices.net,azure-devices.cn,azure-devices.us";
    public static final java.util.List<String> DEFAULT_HUB_SUFFIXES = java.util.List.of(
            DEFAULT_HUB_SUFFIXES_SETTING.split(","));
    /** Our bound for the custom allocation payload we send (DPS answers are capped at 64 KiB, payload included). */
    public static final int MAX_PAYLOAD_CHARS = 16_384;

    private DpsProtocol() {
    }
}
