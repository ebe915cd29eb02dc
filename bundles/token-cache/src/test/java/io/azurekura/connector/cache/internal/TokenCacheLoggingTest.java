package io.azurekura.connector.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.backoff.ExponentialBackoff;

/** slf4j routes to java.util.logging in tests (slf4j-jdk14); every formatted line is checked for secrets. */
class TokenCacheLoggingTest {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            TokenCacheLoggingTest.this.lines.add(this.formatter.format(record));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level previous;

    @BeforeEach
    void captureLogs() {
        Logger root = Logger.getLogger("");
        this.previous = root.getLevel();
        root.setLevel(Level.ALL);
        Logger.getLogger("io.azurekura").setLevel(Level.ALL);
        root.addHandler(this.capture);
    }

    @AfterEach
    void restore() {
        Logger root = Logger.getLogger("");
        root.removeHandler(this.capture);
        root.setLevel(this.previous);
    }

    @Test
    void noSignatureReachesAnyLogLine() {
        VirtualTime time = new VirtualTime();
        ScriptedTokenSource source = new ScriptedTokenSource(time);
        RenewingTokenCache cache = new RenewingTokenCache(source,
                new RenewalPolicy(0.8, 0.05, Duration.ofMinutes(5),
                        new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofMinutes(1),
                                () -> 0.5),
                        Duration.ZERO),
                time, time, Runnable::run, () -> 0.5);
        TokenScope scope = TokenScope.device("hub.example.net", "dev1");
        String token = new String(cache.track(scope).sasToken());
        String signature = token.substring(token.indexOf("sig=") + 4, token.indexOf("&se="));
        time.advance(200_000);
        source.failWith(() -> new TokenFetchException(FetchFailure.MALFORMED,
                "server said: SharedAccessSignature sr=x&sig=TOPSECRETSIG&se=1"));
        time.advance(200_000);
        source.failWith(() -> {
            throw new IllegalStateException("boom with sig=ALSOSECRET in it");
        });
        time.advance(200_000);
        cache.invalidate(scope, "refused: sig=REASONSECRET");
        cache.close();

        assertThat(this.lines).isNotEmpty();
        assertThat(String.join("\n", this.lines)).doesNotContain(signature).doesNotContain("TOPSECRETSIG")
                .doesNotContain("ALSOSECRET").doesNotContain("REASONSECRET");
    }
}
