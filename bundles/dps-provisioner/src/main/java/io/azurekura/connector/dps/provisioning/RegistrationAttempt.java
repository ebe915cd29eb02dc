package io.azurekura.connector.dps.provisioning;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.cache.TokenEvent;
import io.azurekura.connector.api.cache.TokenListener;
import io.azurekura.connector.api.cache.TokenStatus;
import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.dps.wire.DpsCallException;
import io.azurekura.connector.dps.wire.DpsError;
import io.azurekura.connector.dps.wire.DpsProtocol;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.DpsReply;
import io.azurekura.connector.dps.wire.OperationStatus;
import io.azurekura.connector.dps.wire.RegistrationResult;
import io.azurekura.connector.dps.wire.UntrustedText;

/**
 * One registration, start to finish, within the overall timeout: (optionally) a status lookup, then register, then
 * poll until DPS says {@code assigned}, {@code failed} or {@code disabled}. Decides every wait:
 * <ul>
 * <li>polls wait Retry-After clamped to the configured bounds (the documented example value when absent), and never
 * exceed DPS's 5 polls per 10 s ({@link PollPacer});</li>
 * <li>429, 5xx and network errors back off exponentially with jitter, at least Retry-After (the C SDK ignored 429 on
 * the initial PUT until PR #1703; DPS throttles PUT and GET separately, so both are handled);</li>
 * <li>401/403 renew the registration token once through the cache, then fail as {@code UNAUTHORIZED};</li>
 * <li>400/404, {@code failed} and {@code disabled} end the attempt at once, classified, with DPS's error code.</li>
 * </ul>
 * Runs on the provisioner's thread; every wait goes through the {@link Sleeper} and every deadline through the
 * monotonic {@link Clock}, so tests drive it in virtual time.
 */
final class RegistrationAttempt {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationAttempt.class);

    private enum Step {
        REGISTER("registration"), POLL("operation status poll"), LOOKUP("registration status lookup");

        final String description;

        Step(String description) {
            this.description = description;
        }
    }

    private final ProvisioningSettings settings;
    private final DpsRegistrationClient client;
    private final SasTokenCache cache;
    private final ManagedToken token;
    private final TokenScope scope;
    private final Clock clock;
    private final Sleeper sleeper;
    private final ExponentialBackoff backoff;
    private final PollPacer pacer = new PollPacer();
    private final AssignmentValidator validator;
    private long deadlineNanos;
    private boolean tokenRenewed;

    RegistrationAttempt(ProvisioningSettings settings, DpsRegistrationClient client, SasTokenCache cache,
            ManagedToken token, Clock clock, Sleeper sleeper, DoubleSupplier random) {
        this.settings = settings;
        this.client = client;
        this.cache = cache;
        this.token = token;
        this.scope = token.scope();
        this.clock = clock;
        this.sleeper = sleeper;
        this.backoff = new ExponentialBackoff(settings.requestBackoffInitial, settings.requestBackoffMax,
                settings.throttleRetryAfterCap, random);
        this.validator = new AssignmentValidator(settings.idScope, settings.registrationId, settings.hubRule);
    }

    Assignment run() throws ProvisioningException, InterruptedException {
        this.deadlineNanos = this.clock.monotonicNanos() + this.settings.overallTimeout.toNanos();
        if (this.settings.lookupBeforeRegister) {
            Assignment existing = lookup();
            if (existing != null) {
                return existing;
            }
        }
        DpsReply reply = call(Step.REGISTER, null);
        OperationStatus operation = reply.operation();
        while (true) {
            String status = operation.status;
            if (DpsProtocol.STATUS_ASSIGNED.equals(status)) {
                return assignment(operation.registrationState, reply.httpStatus());
            }
            if (DpsProtocol.STATUS_FAILED.equals(status) || DpsProtocol.STATUS_DISABLED.equals(status)) {
                throw finished(operation, reply.httpStatus());
            }
            if (!DpsProtocol.STATUS_ASSIGNING.equals(status) && !DpsProtocol.STATUS_UNASSIGNED.equals(status)) {
                throw new ProvisioningException(ProvisioningFailure.MALFORMED_RESPONSE, "DPS answered with "
                        + (status == null ? "no status" : "the unknown status '" + UntrustedText.escape(status) + "'"),
                        reply.httpStatus(), null, null);
            }
            if (operation.operationId == null || operation.operationId.isEmpty()) {
                throw new ProvisioningException(ProvisioningFailure.MALFORMED_RESPONSE,
                        "DPS answered '" + status + "' without an operationId", reply.httpStatus(), null, null);
            }
            if (!operation.operationId.matches(DpsProtocol.OPERATION_ID_PATTERN)) {
                // It becomes a URL path segment: '..' or a slash would address another resource (docs/dps.md).
                throw new ProvisioningException(ProvisioningFailure.MALFORMED_RESPONSE, "DPS's operationId '"
                        + UntrustedText.escape(operation.operationId) + "' is not an operation id (1 to 128 letters, "
                        + "digits, '.', '_', '-', starting with a letter or digit); not polling it",
                        reply.httpStatus(), null, null);
            }
            Duration wait = pollInterval(reply.retryAfter().orElse(null));
            if (!fitsDeadline(wait)) {
                throw new ProvisioningException(ProvisioningFailure.TIMEOUT, "DPS was still '" + status
                        + "' when the overall timeout of " + this.settings.overallTimeout.getSeconds() + " s ran out");
            }
            this.sleeper.sleep(wait);
            String operationId = operation.operationId;
            reply = call(Step.POLL, operationId);
            operation = reply.operation();
        }
    }

    /** @return the existing assignment, or null when DPS has none for us */
    private Assignment lookup() throws ProvisioningException, InterruptedException {
        DpsReply reply = call(Step.LOOKUP, null);
        if (reply.httpStatus() == 404) {
            LOG.info("DPS has no registration for {} yet; registering", this.scope);
            return null;
        }
        RegistrationResult existing = reply.registration();
        if (existing != null && DpsProtocol.STATUS_ASSIGNED.equals(existing.status) && existing.assignedHub != null
                && existing.deviceId != null) {
            LOG.info("DPS status lookup found the existing assignment of {}; no new registration needed", this.scope);
            return assignment(existing, reply.httpStatus());
        }
        LOG.info("DPS status lookup for {} found no assignment ({}); registering", this.scope,
                existing == null ? "no registration state" : existing);
        return null;
    }

    /** Sends one step, retrying what retrying can fix; returns a 2xx answer (or a 404 to a lookup). */
    private DpsReply call(Step step, String operationId) throws ProvisioningException, InterruptedException {
        int retries = 0;
        while (true) {
            if (step == Step.POLL) {
                Duration pace = this.pacer.delayBeforeNextPoll(this.clock.monotonicNanos());
                if (!pace.isZero()) {
                    if (!fitsDeadline(pace)) {
                        throw new ProvisioningException(ProvisioningFailure.TIMEOUT, "the overall timeout ran out "
                                + "while pacing polls to DPS's limit");
                    }
                    LOG.debug("Pacing DPS polls for {}: waiting {} ms", this.scope, pace.toMillis());
                    this.sleeper.sleep(pace);
                }
            }
            if (this.clock.monotonicNanos() >= this.deadlineNanos) {
                throw new ProvisioningException(ProvisioningFailure.TIMEOUT, "the overall timeout of "
                        + this.settings.overallTimeout.getSeconds() + " s ran out before the " + step.description);
            }
            String authorization = currentToken();
            DpsReply reply;
            try {
                reply = send(step, operationId, authorization);
            } catch (DpsCallException e) {
                if (step == Step.POLL) {
                    this.pacer.recordPoll(this.clock.monotonicNanos());
                }
                if (e.failure() == ProvisioningFailure.NETWORK || e.failure() == ProvisioningFailure.TIMEOUT) {
                    backOff(step, retries++, null, e.failure(), e.getMessage(), null, null);
                    continue;
                }
                throw new ProvisioningException(e.failure(), "the " + step.description + " failed: "
                        + e.getMessage(), e.httpStatus().isPresent() ? e.httpStatus().getAsInt() : null, null, null);
            }
            if (step == Step.POLL) {
                this.pacer.recordPoll(this.clock.monotonicNanos());
            }
            int status = reply.httpStatus();
            if (reply.isSuccess() || (step == Step.LOOKUP && status == 404)) {
                return reply;
            }
            DpsError error = reply.error();
            String detail = "DPS answered HTTP " + status + " to the " + step.description
                    + (error.toString().isEmpty() ? "" : ": " + error);
            Duration retryAfter = reply.retryAfter().orElse(null);
            if (status == 429) {
                backOff(step, retries++, retryAfter, ProvisioningFailure.THROTTLED, detail, status, error.errorCode);
            } else if (status == 401 || status == 403) {
                if (this.tokenRenewed) {
                    throw new ProvisioningException(ProvisioningFailure.UNAUTHORIZED, detail
                            + " (also with a renewed token)", status, error.errorCode, null);
                }
                this.tokenRenewed = true;
                renewToken(detail);
            } else if (status == 404) {
                throw new ProvisioningException(ProvisioningFailure.NOT_FOUND, detail, status, error.errorCode,
                        null);
            } else if (status >= 400 && status <= 499) {
                throw new ProvisioningException(ProvisioningFailure.BAD_REQUEST, detail, status, error.errorCode,
                        null);
            } else if (status >= 500) {
                backOff(step, retries++, retryAfter, ProvisioningFailure.SERVER_ERROR, detail, status,
                        error.errorCode);
            } else {
                throw new ProvisioningException(ProvisioningFailure.MALFORMED_RESPONSE, detail, status,
                        error.errorCode, null);
            }
        }
    }

    private DpsReply send(Step step, String operationId, String authorization)
            throws DpsCallException, InterruptedException {
        // No request may outlive the overall deadline: each gets at most what is left of it.
        Duration timeLeft = Duration.ofNanos(Math.max(0, this.deadlineNanos - this.clock.monotonicNanos()));
        switch (step) {
        case REGISTER:
            return this.client.register(this.settings.idScope, this.settings.registrationId,
                    this.settings.payloadJson, authorization, timeLeft);
        case POLL:
            return this.client.operationStatus(this.settings.idScope, this.settings.registrationId, operationId,
                    authorization, timeLeft);
        default:
            return this.client.statusLookup(this.settings.idScope, this.settings.registrationId, authorization,
                    timeLeft);
        }
    }

    /** Waits before retrying a step, or gives up (classified) when the wait would pass the overall deadline. */
    private void backOff(Step step, int retry, Duration retryAfter, ProvisioningFailure failure, String detail,
            Integer status, Integer errorCode) throws ProvisioningException, InterruptedException {
        if (retryAfter != null && retryAfter.compareTo(this.settings.throttleRetryAfterCap) > 0) {
            throw new ProvisioningException(failure, detail + "; DPS asks to wait " + retryAfter.getSeconds()
                    + " s, longer than this provisioner waits within one registration", status, errorCode,
                    retryAfter);
        }
        Duration delay = this.backoff.delay(retry, retryAfter);
        if (!fitsDeadline(delay)) {
            throw new ProvisioningException(failure, detail + "; giving up, the overall timeout of "
                    + this.settings.overallTimeout.getSeconds() + " s would pass before the next try", status,
                    errorCode, retryAfter);
        }
        LOG.info("{}; retrying the {} in {} ms", detail, step.description, delay.toMillis());
        this.sleeper.sleep(delay);
    }

    private boolean fitsDeadline(Duration wait) {
        return this.clock.monotonicNanos() + wait.toNanos() < this.deadlineNanos;
    }

    private Duration pollInterval(Duration retryAfter) {
        Duration wanted = retryAfter == null ? this.settings.pollIntervalDefault : retryAfter;
        if (wanted.compareTo(this.settings.pollIntervalMin) < 0) {
            return this.settings.pollIntervalMin;
        }
        return wanted.compareTo(this.settings.pollIntervalMax) > 0 ? this.settings.pollIntervalMax : wanted;
    }

    private String currentToken() throws ProvisioningException, InterruptedException {
        long remaining = Math.max(0, this.deadlineNanos - this.clock.monotonicNanos());
        Duration wait = Duration.ofNanos(Math.min(remaining, this.settings.tokenWait.toNanos()));
        if (!this.token.awaitValid(wait)) {
            String cacheError = this.cache.status(this.scope).flatMap(TokenStatus::lastError).orElse("no details");
            throw new ProvisioningException(ProvisioningFailure.TOKEN_UNAVAILABLE, "no valid registration token "
                    + "for " + this.scope + " within " + wait.getSeconds() + " s (token cache: " + cacheError + ")");
        }
        char[] text = this.token.sasToken();
        try {
            return new String(text);
        } finally {
            Arrays.fill(text, '\0');
        }
    }

    /** DPS refused the token: ask the cache for a fresh one (once per attempt) and wait for it. */
    private void renewToken(String detail) throws InterruptedException {
        CountDownLatch renewed = new CountDownLatch(1);
        TokenListener listener = event -> {
            if (event.scope().equals(this.scope) && (event.type() == TokenEvent.Type.RENEWED
                    || event.type() == TokenEvent.Type.FETCH_FAILED)) {
                renewed.countDown();
            }
        };
        this.cache.addListener(listener);
        try {
            boolean started = this.cache.invalidate(this.scope, "DPS refused the registration token");
            LOG.warn("{}; {} and retrying once", detail, started ? "fetching a new registration token"
                    : "the token cache refused a new fetch (rate limit), so using its current token");
            if (started) {
                long remaining = Math.max(0, this.deadlineNanos - this.clock.monotonicNanos());
                renewed.await(Math.min(remaining, this.settings.tokenWait.toNanos()), TimeUnit.NANOSECONDS);
            }
        } finally {
            this.cache.removeListener(listener);
        }
    }

    private Assignment assignment(RegistrationResult state, int httpStatus) throws ProvisioningException {
        if (state == null || state.assignedHub == null || state.assignedHub.isBlank() || state.deviceId == null
                || state.deviceId.isBlank()) {
            throw new ProvisioningException(ProvisioningFailure.MALFORMED_RESPONSE,
                    "DPS reported 'assigned' without an assignedHub and deviceId", httpStatus, null, null);
        }
        Optional<String> problem = this.validator.problem(state.registrationId, state.assignedHub, state.deviceId,
                state.substatus);
        if (problem.isPresent()) {
            throw new ProvisioningException(ProvisioningFailure.ASSIGNMENT_REFUSED, "DPS's assignment is refused: "
                    + problem.get(), httpStatus, null, null);
        }
        return new Assignment(this.settings.idScope, this.settings.registrationId, state.assignedHub,
                state.deviceId, state.substatus, state.payload, Instant.ofEpochMilli(this.clock.wallMillis()));
    }

    private ProvisioningException finished(OperationStatus operation, int httpStatus) {
        RegistrationResult state = operation.registrationState;
        boolean disabled = DpsProtocol.STATUS_DISABLED.equals(operation.status);
        Integer code = state == null ? null : state.errorCode;
        String message = state == null || state.errorMessage == null ? ""
                : ": " + UntrustedText.escape(state.errorMessage);
        return new ProvisioningException(
                disabled ? ProvisioningFailure.DEVICE_DISABLED : ProvisioningFailure.REGISTRATION_FAILED,
                "DPS finished the registration with status '" + operation.status + "'"
                        + (code == null ? "" : ", errorCode " + code) + message,
                httpStatus, code, null);
    }
}
