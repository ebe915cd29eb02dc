package io.azurekura.connector.sts.internal;

import java.time.Duration;
import java.time.Instant;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.SasTokenFormatException;
import io.azurekura.connector.api.token.ScopeKind;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.redact.Redactor;

/**
 * Checks a token from the server before anything uses it: a token the SDK cannot parse, for another identity, or
 * about to expire would otherwise surface later as a misleading {@code BAD_CREDENTIAL} (and might even trigger a
 * reprovisioning).
 */
public final class TokenValidator {

    private final Duration minRemaining;
    private final Duration maxLifetime;

    public TokenValidator(Duration minRemaining, Duration maxLifetime) {
        this.minRemaining = minRemaining;
        this.maxLifetime = maxLifetime;
    }

    public SasToken validate(String text, TokenScope scope, Instant now) throws TokenFetchException {
        SasToken token;
        try {
            token = SasToken.parse(text);
        } catch (SasTokenFormatException e) {
            throw new TokenFetchException(FetchFailure.MALFORMED, "the token server returned an invalid token: "
                    + e.getMessage());
        }
        if (!scope.matchesAudience(token.resource())) {
            throw new TokenFetchException(FetchFailure.WRONG_AUDIENCE, "the token is for '"
                    + Redactor.excerpt(token.resource()) + "', not for '" + scope.resourceUri() + "'");
        }
        if (scope.kind() != ScopeKind.DPS_REGISTRATION && !token.isHubClientCompatible()) {
            throw new TokenFetchException(FetchFailure.MALFORMED,
                    "the token has an empty 'skn', which the IoT Hub device SDK cannot parse");
        }
        Duration remaining = token.remainingLife(now);
        if (remaining.compareTo(this.minRemaining) < 0) {
            throw new TokenFetchException(FetchFailure.EXPIRED, remaining.isNegative() || remaining.isZero()
                    ? "the token expired at " + token.expiresAt()
                    : "the token expires in " + remaining.getSeconds() + " s, less than the minimum "
                            + this.minRemaining.getSeconds() + " s");
        }
        if (remaining.compareTo(this.maxLifetime) > 0) {
            throw new TokenFetchException(FetchFailure.LIFETIME_TOO_LONG, "the token expires at "
                    + token.expiresAt() + ", further away than the maximum of " + this.maxLifetime.getSeconds()
                    + " s (wrong clock or wrong units on the server?)");
        }
        return token;
    }
}
