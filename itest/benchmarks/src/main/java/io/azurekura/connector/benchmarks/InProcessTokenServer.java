package io.azurekura.connector.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.SasTokenFormatException;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Signs tokens in-process, as the reference token server would, and counts requests. Leaving HTTP out makes the
 * naive provider look as good as it can: on a gateway each of its calls is also an HTTPS round trip.
 */
final class InProcessTokenServer implements TokenSource {

    private final String key;
    private final Duration ttl;
    final AtomicLong calls = new AtomicLong();

    InProcessTokenServer(Duration ttl) {
        this(ttl, SasSigner.newKey());
    }

    /** Signs with a given key, e.g. one an IoT Hub emulator also holds. */
    InProcessTokenServer(Duration ttl, String key) {
        this.ttl = ttl;
        this.key = key;
    }

    @Override
    public SasToken fetch(TokenScope scope) throws TokenFetchException {
        this.calls.incrementAndGet();
        String token = SasSigner.sign(scope.resourceUri(), this.key,
                Instant.now().plus(this.ttl).getEpochSecond(), null, SasSigner.ResourceForm.PLAIN);
        try {
            return SasToken.parse(token);
        } catch (SasTokenFormatException e) {
            throw new TokenFetchException(FetchFailure.MALFORMED, e.getMessage());
        }
    }
}
