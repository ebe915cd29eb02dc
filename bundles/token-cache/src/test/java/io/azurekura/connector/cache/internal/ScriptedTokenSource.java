package io.azurekura.connector.cache.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.SasTokenFormatException;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.time.Clock;

/** A token source whose answers a test controls; records when it was called (virtual wall time). */
final class ScriptedTokenSource implements TokenSource {

    private final Clock clock;
    private volatile Duration ttl = Duration.ofSeconds(100);
    private volatile Supplier<TokenFetchException> failure;
    final AtomicInteger calls = new AtomicInteger();
    final List<Long> callTimesWallMillis = new ArrayList<>();

    ScriptedTokenSource(Clock clock) {
        this.clock = clock;
    }

    void ttl(Duration ttl) {
        this.ttl = ttl;
    }

    void failWith(Supplier<TokenFetchException> failure) {
        this.failure = failure;
    }

    void outage() {
        failWith(() -> new TokenFetchException(FetchFailure.UNREACHABLE, "connection refused"));
    }

    void recover() {
        this.failure = null;
    }

    @Override
    public SasToken fetch(TokenScope scope) throws TokenFetchException {
        this.calls.incrementAndGet();
        synchronized (this.callTimesWallMillis) {
            this.callTimesWallMillis.add(this.clock.wallMillis());
        }
        Supplier<TokenFetchException> f = this.failure;
        if (f != null) {
            throw f.get();
        }
        long se = Instant.ofEpochMilli(this.clock.wallMillis()).plus(this.ttl).getEpochSecond();
        return token(scope, se, this.calls.get());
    }

    static SasToken token(TokenScope scope, long se, int serial) {
        try {
            String sig = java.net.URLEncoder.encode(java.util.Base64.getEncoder()
                    .encodeToString(("signature-" + serial).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    java.nio.charset.StandardCharsets.UTF_8);
            return SasToken.parse("SharedAccessSignature sr=" + scope.resourceUri() + "&sig=" + sig + "&se=" + se);
        } catch (SasTokenFormatException e) {
            throw new IllegalStateException(e);
        }
    }
}
