package io.azurekura.connector.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.cache.internal.ExecutorTaskScheduler;
import io.azurekura.connector.cache.internal.RenewalPolicy;
import io.azurekura.connector.cache.internal.RenewingTokenCache;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.time.Clock;

/**
 * The token cache against the naive provider (a token server call on every {@code getSasToken()}, which is what
 * the SDK's sample effectively does), in one run:
 * <ol>
 * <li>token server calls per identity under the SDK's HTTPS call pattern (50 calls/s per identity), against the
 * theoretical minimum ceil(window / (fraction x TTL));</li>
 * <li>{@code getSasToken()} latency p50/p99 and allocation per call, with JMH.</li>
 * </ol>
 */
public class TokenCacheBenchmark {

    static final double FRACTION = 0.8;
    static final double JITTER = 0.05;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/benchmark-results");
        Files.createDirectories(out);
        StringBuilder report = new StringBuilder("# Token cache benchmark\n\n");
        report.append(callCounts());
        report.append(latency());
        Path file = out.resolve("token-cache.md");
        Files.writeString(file, report.toString(), StandardCharsets.UTF_8);
        System.out.println(report);
        System.out.println("Written to " + file.toAbsolutePath());
    }

    static RenewingTokenCache newCache(InProcessTokenServer server, ExecutorTaskScheduler scheduler,
            java.util.concurrent.ExecutorService fetchPool) {
        java.util.Random random = new java.util.Random();
        return new RenewingTokenCache(server,
                new RenewalPolicy(FRACTION, JITTER, Duration.ofMinutes(5),
                        new ExponentialBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(5),
                                random::nextDouble),
                        Duration.ofSeconds(30)),
                Clock.SYSTEM, scheduler, fetchPool, random::nextDouble);
    }

    private static String callCounts() throws InterruptedException {
        int identities = 20;
        int callsPerSecond = 50;
        Duration ttl = Duration.ofSeconds(10);
        Duration window = Duration.ofSeconds(60);

        InProcessTokenServer cachedServer = new InProcessTokenServer(ttl);
        InProcessTokenServer naiveServer = new InProcessTokenServer(ttl);
        ExecutorTaskScheduler scheduler = new ExecutorTaskScheduler();
        java.util.concurrent.ExecutorService fetchPool = Executors.newFixedThreadPool(4);
        RenewingTokenCache cache = newCache(cachedServer, scheduler, fetchPool);
        ScheduledExecutorService callers = Executors.newScheduledThreadPool(2);
        AtomicLong sdkCalls = new AtomicLong();
        List<ManagedToken> handles = new ArrayList<>();
        try {
            for (int i = 0; i < identities; i++) {
                TokenScope scope = TokenScope.device("bench.azure-devices.net", "dev" + i);
                ManagedToken handle = cache.track(scope);
                handles.add(handle);
                callers.scheduleAtFixedRate(() -> {
                    sdkCalls.incrementAndGet();
                    handle.sasToken();
                    try {
                        naiveServer.fetch(scope).toCharArray();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, i, 1000 / callsPerSecond, TimeUnit.MILLISECONDS);
            }
            Thread.sleep(window.toMillis()); // a benchmark window, not test synchronisation
        } finally {
            callers.shutdownNow();
            callers.awaitTermination(5, TimeUnit.SECONDS);
            handles.forEach(ManagedToken::close);
            cache.close();
            scheduler.close();
            fetchPool.shutdownNow();
        }
        long minimum = (long) Math.ceil(window.toMillis() / (FRACTION * ttl.toMillis()));
        double cachedPerIdentity = cachedServer.calls.get() / (double) identities;
        double naivePerIdentity = naiveServer.calls.get() / (double) identities;
        return String.format(Locale.ROOT, "## Token server calls\n\n"
                + "%d identities, each asked for its token %d times/s (the SDK's HTTPS pattern), token TTL %d s, "
                + "window %d s, renewal at %.2f of the lifetime with %.2f jitter (earlier only).\n\n"
                + "| provider | token server calls per identity | vs. theoretical minimum %d |\n|---|---|---|\n"
                + "| naive (fetch on every getSasToken) | %.1f | x%.0f |\n"
                + "| this cache | %.1f | %+.1f |\n\n"
                + "getSasToken() calls served: %d. Naive / cache ratio: %.0f.\n\n",
                identities, callsPerSecond, ttl.getSeconds(), window.getSeconds(), FRACTION, JITTER, minimum,
                naivePerIdentity, naivePerIdentity / minimum, cachedPerIdentity, cachedPerIdentity - minimum,
                sdkCalls.get(), naivePerIdentity / cachedPerIdentity);
    }

    /** JMH state: one tracked identity with a long-lived token, and the naive path to the same signer. */
    @State(Scope.Benchmark)
    public static class Providers {
        InProcessTokenServer server;
        ExecutorTaskScheduler scheduler;
        java.util.concurrent.ExecutorService pool;
        RenewingTokenCache cache;
        ManagedToken handle;
        TokenScope scope;

        @Setup(Level.Trial)
        public void start() throws InterruptedException {
            this.server = new InProcessTokenServer(Duration.ofHours(1));
            this.scheduler = new ExecutorTaskScheduler();
            this.pool = Executors.newFixedThreadPool(1);
            this.cache = newCache(this.server, this.scheduler, this.pool);
            this.scope = TokenScope.device("bench.azure-devices.net", "dev-latency");
            this.handle = this.cache.track(this.scope);
            if (!this.handle.awaitValid(Duration.ofSeconds(10))) {
                throw new IllegalStateException("no token");
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            this.handle.close();
            this.cache.close();
            this.scheduler.close();
            this.pool.shutdownNow();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public char[] cachedGetSasToken(Providers providers) {
        return providers.handle.sasToken();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public char[] naiveGetSasToken(Providers providers) throws Exception {
        return providers.server.fetch(providers.scope).toCharArray();
    }

    private static String latency() throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(TokenCacheBenchmark.class.getName() + "\\.(cached|naive)GetSasToken")
                .warmupIterations(2).warmupTime(TimeValue.seconds(2)).measurementIterations(3)
                .measurementTime(TimeValue.seconds(3)).forks(1).threads(1).addProfiler("gc").build()).run();
        StringBuilder table = new StringBuilder("## getSasToken() latency (JMH, sample mode, 1 thread)\n\n"
                + "| provider | p50 (ns) | p99 (ns) | p99.9 (ns) | bytes allocated per call |\n|---|---|---|---|---|\n");
        double cachedP99 = 0;
        double naiveP99 = 0;
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark().replaceAll(".*\\.", "");
            Result<?> primary = result.getPrimaryResult();
            double p50 = primary.getStatistics().getPercentile(50);
            double p99 = primary.getStatistics().getPercentile(99);
            double p999 = primary.getStatistics().getPercentile(99.9);
            Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            String label = name.startsWith("cached") ? "this cache" : "naive (in-process signer, no HTTP)";
            table.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %s |\n", label, p50, p99, p999,
                    alloc == null ? "n/a" : String.format(Locale.ROOT, "%.0f", alloc.getScore())));
            if (name.startsWith("cached")) {
                cachedP99 = p99;
            } else {
                naiveP99 = p99;
            }
        }
        table.append(String.format(Locale.ROOT, "\nNaive / cache p99 ratio: %.0f. The cache's only allocation is the "
                + "returned copy of the token (a char[]: 16 + 2 x length bytes).\n", naiveP99 / cachedP99));
        return table.toString();
    }

    public TokenCacheBenchmark() {
    }
}
