package io.azurekura.connector.dps.provisioning;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.azurekura.connector.api.token.IdentityIds;
import io.azurekura.connector.dps.wire.DpsProtocol;
import io.azurekura.connector.dps.wire.UntrustedText;

/**
 * What to provision and how patiently: identity, payload, reprovisioning policy, polling bounds, backoff and
 * timeouts. Immutable; {@link Builder#build()} rejects what DPS would reject, with messages a Kura user understands.
 */
public final class ProvisioningSettings {

    final String idScope;
    final String registrationId;
    final String payloadJson;
    final ReprovisionPolicy reprovisionPolicy;
    final boolean reprovisionOnHubAuthFailure;
    final Duration reprovisionMinInterval;
    final boolean lookupBeforeRegister;
    final Duration pollIntervalMin;
    final Duration pollIntervalMax;
    final Duration pollIntervalDefault;
    final Duration overallTimeout;
    final Duration tokenWait;
    final Duration requestBackoffInitial;
    final Duration requestBackoffMax;
    final Duration throttleRetryAfterCap;
    final Duration retryInitial;
    final Duration retryMax;
    final HubHostRule hubRule;
    final List<String> configurationProblems;

    private ProvisioningSettings(Builder b) {
        this.hubRule = b.hubRule;
        this.configurationProblems = List.copyOf(b.configurationProblems);
        this.idScope = b.idScope;
        this.registrationId = b.registrationId;
        this.payloadJson = b.payloadJson;
        this.reprovisionPolicy = b.reprovisionPolicy;
        this.reprovisionOnHubAuthFailure = b.reprovisionOnHubAuthFailure;
        this.reprovisionMinInterval = b.reprovisionMinInterval;
        this.lookupBeforeRegister = b.lookupBeforeRegister;
        this.pollIntervalMin = b.pollIntervalMin;
        this.pollIntervalMax = b.pollIntervalMax;
        this.pollIntervalDefault = b.pollIntervalDefault;
        this.overallTimeout = b.overallTimeout;
        this.tokenWait = b.tokenWait;
        this.requestBackoffInitial = b.requestBackoffInitial;
        this.requestBackoffMax = b.requestBackoffMax;
        this.throttleRetryAfterCap = b.throttleRetryAfterCap;
        this.retryInitial = b.retryInitial;
        this.retryMax = b.retryMax;
    }

    public static Builder builder(String idScope, String registrationId) {
        return new Builder(idScope, registrationId);
    }

    public String idScope() {
        return this.idScope;
    }

    public String registrationId() {
        return this.registrationId;
    }

    /** Problems found in the configuration these settings were made from (shown in the status), already escaped. */
    public List<String> configurationProblems() {
        return this.configurationProblems;
    }

    /** Builds settings; defaults follow DPS guidance (see each setter). */
    public static final class Builder {
        private final String idScope;
        private final String registrationId;
        private String payloadJson;
        private ReprovisionPolicy reprovisionPolicy = ReprovisionPolicy.USE_SAVED;
        private boolean reprovisionOnHubAuthFailure = true;
        private Duration reprovisionMinInterval = Duration.ofMinutes(10);
        private boolean lookupBeforeRegister;
        private Duration pollIntervalMin = Duration.ofSeconds(2);
        private Duration pollIntervalMax = Duration.ofSeconds(30);
        private Duration pollIntervalDefault = DpsProtocol.DEFAULT_RETRY_AFTER;
        private Duration overallTimeout = Duration.ofMinutes(5);
        private Duration tokenWait = Duration.ofSeconds(30);
        private Duration requestBackoffInitial = Duration.ofSeconds(2);
        private Duration requestBackoffMax = Duration.ofSeconds(60);
        private Duration throttleRetryAfterCap = Duration.ofMinutes(5);
        private Duration retryInitial = Duration.ofSeconds(30);
        private Duration retryMax = Duration.ofMinutes(30);
        private HubHostRule hubRule = HubHostRule.azureClouds();
        private List<String> configurationProblems = List.of();

        private Builder(String idScope, String registrationId) {
            this.idScope = idScope == null ? "" : idScope.trim();
            this.registrationId = registrationId == null ? "" : registrationId.trim();
        }

        /** Custom payload for DPS (a JSON object as text); empty or null for none. */
        public Builder payloadJson(String json) {
            this.payloadJson = json == null || json.isBlank() ? null : json.trim();
            return this;
        }

        public Builder reprovisionPolicy(ReprovisionPolicy policy) {
            this.reprovisionPolicy = Objects.requireNonNull(policy);
            return this;
        }

        /** Reprovision when the assigned hub refuses our credentials (Microsoft: on hub 401/403/404). */
        public Builder reprovisionOnHubAuthFailure(boolean enabled) {
            this.reprovisionOnHubAuthFailure = enabled;
            return this;
        }

        /** At most one hub-triggered reprovisioning per interval: registrations are billed and rate-limited. */
        public Builder reprovisionMinInterval(Duration interval) {
            this.reprovisionMinInterval = interval;
            return this;
        }

        /** Ask DPS for an existing registration (status lookup) before registering anew. */
        public Builder lookupBeforeRegister(boolean enabled) {
            this.lookupBeforeRegister = enabled;
            return this;
        }

        /** Bounds for Retry-After between polls, and the wait when DPS sends none (DPS example: 3 s). */
        public Builder pollInterval(Duration min, Duration max, Duration whenAbsent) {
            this.pollIntervalMin = min;
            this.pollIntervalMax = max;
            this.pollIntervalDefault = whenAbsent;
            return this;
        }

        /** The longest one registration (register, polls, retries) may take. */
        public Builder overallTimeout(Duration timeout) {
            this.overallTimeout = timeout;
            return this;
        }

        /** How long to wait for a registration token from the token server. */
        public Builder tokenWait(Duration wait) {
            this.tokenWait = wait;
            return this;
        }

        /** Backoff (with jitter) after 429, 5xx and network errors within one registration. */
        public Builder requestBackoff(Duration initial, Duration max) {
            this.requestBackoffInitial = initial;
            this.requestBackoffMax = max;
            return this;
        }

        /** The longest Retry-After obeyed on a 429; a longer one ends the attempt as THROTTLED. */
        public Builder throttleRetryAfterCap(Duration cap) {
            this.throttleRetryAfterCap = cap;
            return this;
        }

        /** Backoff between failed registrations; terminal failures wait {@code max}. */
        public Builder retry(Duration initial, Duration max) {
            this.retryInitial = initial;
            this.retryMax = max;
            return this;
        }

        /** Which hubs DPS may assign this device to (default: Azure's public, China and US Government clouds). */
        public Builder hubRule(HubHostRule rule) {
            this.hubRule = Objects.requireNonNull(rule);
            return this;
        }

        /** Problems found while reading the configuration (worked around with defaults), for the status. */
        public Builder configurationProblems(List<String> problems) {
            this.configurationProblems = List.copyOf(problems);
            return this;
        }

        /** @throws IllegalArgumentException naming what is wrong */
        public ProvisioningSettings build() {
            if (this.idScope.isEmpty()) {
                throw new IllegalArgumentException("the DPS ID scope is not set");
            }
            if (this.idScope.length() > DpsProtocol.MAX_ID_SCOPE_LENGTH
                    || !this.idScope.matches(DpsProtocol.ID_SCOPE_PATTERN)) {
                throw new IllegalArgumentException("the DPS ID scope '" + UntrustedText.escape(this.idScope)
                        + "' is not valid (letters and digits, e.g. 0ne00000000)");
            }
            if (this.registrationId.isEmpty()) {
                throw new IllegalArgumentException("the DPS registration id is not set");
            }
            IdentityIds.registrationIdProblem(this.registrationId).ifPresent(problem -> {
                throw new IllegalArgumentException("the DPS registration id " + problem);
            });
            if (this.payloadJson != null && this.payloadJson.length() > DpsProtocol.MAX_PAYLOAD_CHARS) {
                throw new IllegalArgumentException("the DPS payload is " + this.payloadJson.length()
                        + " characters long (at most " + DpsProtocol.MAX_PAYLOAD_CHARS + ")");
            }
            if (this.payloadJson != null) {
                try {
                    JsonElement parsed = JsonParser.parseString(this.payloadJson);
                    if (!parsed.isJsonObject()) {
                        throw new IllegalArgumentException("the DPS payload must be a JSON object ({...})");
                    }
                } catch (JsonParseException e) {
                    throw new IllegalArgumentException("the DPS payload is not valid JSON");
                }
            }
            positive("poll interval minimum", this.pollIntervalMin);
            if (this.pollIntervalMax.compareTo(this.pollIntervalMin) < 0) {
                throw new IllegalArgumentException("the poll interval maximum is below the minimum");
            }
            positive("poll interval without Retry-After", this.pollIntervalDefault);
            positive("overall timeout", this.overallTimeout);
            positive("token wait", this.tokenWait);
            positive("backoff start", this.requestBackoffInitial);
            if (this.requestBackoffMax.compareTo(this.requestBackoffInitial) < 0) {
                throw new IllegalArgumentException("the request backoff maximum is below its start");
            }
            positive("retry start", this.retryInitial);
            if (this.retryMax.compareTo(this.retryInitial) < 0) {
                throw new IllegalArgumentException("the retry maximum is below its start");
            }
            return new ProvisioningSettings(this);
        }

        private static void positive(String what, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("the " + what + " must be positive");
            }
        }
    }
}
