package io.azurekura.connector.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.ConnectionState;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.cache.internal.ExecutorTaskScheduler;
import io.azurekura.connector.cache.internal.RenewalPolicy;
import io.azurekura.connector.cache.internal.RenewingTokenCache;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.ClientStatus;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientFactory;
import io.azurekura.connector.hub.client.HubClientListener;
import io.azurekura.connector.hub.client.SendResult;
import io.azurekura.connector.hub.identity.IdentityResolver;
import io.azurekura.connector.hub.sdk.AzureSdkClientFactory;
import io.azurekura.connector.hub.sdk.MultiplexedClientFactory;
import io.azurekura.connector.hub.supervisor.ConnectRateLimiter;
import io.azurekura.connector.hub.supervisor.HubConnectionSupervisor;
import io.azurekura.connector.hub.supervisor.PlannedReconnectGate;
import io.azurekura.connector.hub.supervisor.SharedSupervisorPool;
import io.azurekura.connector.hub.supervisor.SupervisorExecutors;
import io.azurekura.connector.hub.supervisor.SupervisorSettings;
import io.azurekura.connector.hub.trust.TrustContexts;
import io.azurekura.connector.hub.trust.TrustProvider;
import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Figures, not a test: N AMQP device identities on one gateway, multiplexed, against the IoT Hub emulator running
 * in a child JVM (so heap and threads measured here are the gateway's only). Tokens come from an in-process token
 * source (the {@link InProcessTokenServer} signer, no HTTP) through the real token cache; connections are made by
 * the real supervisor and the real Azure SDK. Measures: TCP connections, token server calls against the theoretical
 * minimum, peak against average token server request rate once renewals are spread, heap per identity (the cache's
 * share, the supervisor's share and the SDK's share), threads, and the time to connect all identities after a
 * restart. Settings come from system properties ({@code bench.*}, see the module's pom).
 */
public final class MultiplexedGatewayBenchmark {

    private static final String HUB_HOST = "localhost";
    private static final Duration BIN = Duration.ofSeconds(5);
    /** Identities created before a heap measurement, so class loading and lazy singletons are not counted. */
    private static final int WARM_UP = 20;

    private final int identities;
    private final Duration ttl;
    private final double connectRate;
    private final double jitter;
    private final Duration window;
    private final String key = SasSigner.newKey();
    private final SecureRandom random = new SecureRandom();
    private final StringBuilder report = new StringBuilder();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private TrustProvider trust;
    private Child hub;

    private MultiplexedGatewayBenchmark() {
        this.identities = Integer.getInteger("bench.identities", 1000);
        this.ttl = Duration.ofSeconds(Long.getLong("bench.token.ttl.seconds", 60));
        this.connectRate = Double.parseDouble(System.getProperty("bench.connect.rate", "20"));
        this.jitter = Double.parseDouble(System.getProperty("bench.renewal.jitter", "0.05"));
        this.window = Duration.ofSeconds(Long.getLong("bench.window.seconds", 120));
    }

    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        Path out = Path.of(args.length > 0 ? args[0] : "target/benchmark-results");
        Files.createDirectories(out);
        MultiplexedGatewayBenchmark benchmark = new MultiplexedGatewayBenchmark();
        String text = benchmark.run();
        Path file = out.resolve("multiplexed-gateway.md");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        System.out.println(text);
        System.out.println("Written to " + file.toAbsolutePath());
        System.exit(0);
    }

    private String run() throws Exception {
        this.report.append(String.format(Locale.ROOT, "# Multiplexed gateway benchmark%n%n%d AMQP device identities, "
                + "multiplexed (amqp.multiplexing=true), token lifetime %d s, cache renewal at 0.8 of the lifetime "
                + "with %.2f jitter, token server concurrency 4, gateway connect rate %.0f/s (burst %.0f), "
                + "steady-state window %d s. Token source: in-process signer (InProcessTokenServer's signing, no "
                + "HTTP). IoT Hub: the emulator in a separate JVM on 127.0.0.1:5671. Machine: %d cores, Java %s.%n%n",
                this.identities, this.ttl.toSeconds(), this.jitter, this.connectRate, this.connectRate,
                this.window.toSeconds(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version")));
        try (Child child = Child.start(this.identities, this.key)) {
            this.hub = child;
            this.trust = () -> TrustContexts.fromPemFile(child.caFile);
            long cacheShare = cacheHeapPerIdentity();
            long supervisorShare = supervisorHeapPerIdentity(cacheShare);
            singleClientThreads();
            gateway(cacheShare, supervisorShare);
        }
        return this.report.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Heap: the cache alone, then supervisors without the SDK

    /** Heap the cache holds per tracked identity: N identities more, once a few warmed everything up. */
    private long cacheHeapPerIdentity() throws Exception {
        Gateway gateway = new Gateway(this, ConnectRateLimiter.UNLIMITED);
        List<ManagedToken> handles = new ArrayList<>();
        trackAndAwait(gateway, handles, this.identities, this.identities + WARM_UP);
        long before = usedHeapAfterGc();
        trackAndAwait(gateway, handles, 0, this.identities);
        long after = usedHeapAfterGc();
        handles.forEach(ManagedToken::close);
        gateway.close();
        return (after - before) / this.identities;
    }

    private void trackAndAwait(Gateway gateway, List<ManagedToken> handles, int from, int to)
            throws InterruptedException {
        List<ManagedToken> added = new ArrayList<>();
        for (int i = from; i < to; i++) {
            added.add(gateway.cache.track(HubIdentity.device(HUB_HOST, "heap-" + i, IdentitySource.STATIC)
                    .tokenScope()));
        }
        for (ManagedToken handle : added) {
            if (!handle.awaitValid(Duration.ofSeconds(60))) {
                throw new IllegalStateException("no token for " + handle.scope());
            }
        }
        handles.addAll(added);
    }

    /** Heap a supervisor holds per identity beyond its token: with clients that have no wire (and no SDK). */
    private long supervisorHeapPerIdentity(long cacheShare) throws Exception {
        Gateway gateway = new Gateway(this, ConnectRateLimiter.UNLIMITED);
        gateway.start(0, WARM_UP, new NoWireClients(), true);
        gateway.awaitAllConnected(Duration.ofMinutes(2));
        long before = usedHeapAfterGc();
        gateway.start(WARM_UP, WARM_UP + this.identities, new NoWireClients(), true);
        gateway.awaitAllConnected(Duration.ofMinutes(2));
        long after = usedHeapAfterGc();
        gateway.close();
        return (after - before) / this.identities - cacheShare;
    }

    /** For comparison: what a few identities cost with a connection (and SDK threads) each. */
    private void singleClientThreads() throws Exception {
        int few = Math.min(5, this.identities);
        List<String> before = threads(name -> true);
        Gateway gateway = new Gateway(this, new ConnectRateLimiter(Clock.SYSTEM, 50, 50));
        gateway.start(0, few, new AzureSdkClientFactory(), false);
        gateway.awaitAllConnected(Duration.ofMinutes(1));
        List<String> during = threads(name -> true);
        during.removeAll(before);
        gateway.close();
        this.figures.put("threads per non-multiplexed AMQPS identity", String.format(Locale.ROOT, "%.1f (%d "
                + "identities: %d threads, of which %d the SDK's)", during.size() / (double) few, few, during.size(),
                during.stream().filter(n -> n.contains("-sdk-")).count()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // The gateway with the SDK: cold start, restart, steady state

    private void gateway(long cacheShare, long supervisorShare) throws Exception {
        long before = usedHeapAfterGc();
        ConnectRateLimiter limiter = new ConnectRateLimiter(Clock.SYSTEM, this.connectRate, (int) this.connectRate);
        Gateway first = new Gateway(this, limiter);
        long start = System.nanoTime();
        first.start(0, this.identities, new MultiplexedClientFactory(), true);
        first.awaitAllConnected(Duration.ofMinutes(10));
        Duration firstConnect = Duration.ofNanos(System.nanoTime() - start);
        long full = (usedHeapAfterGc() - before) / this.identities;
        first.sendOneEach("first");

        long closing = System.nanoTime();
        first.close();
        Duration close = Duration.ofNanos(System.nanoTime() - closing);
        List<String> afterClose = threads(name -> true);

        // The restart: an empty cache, every identity needs a token and a connection again.
        Gateway second = new Gateway(this, new ConnectRateLimiter(Clock.SYSTEM, this.connectRate,
                (int) this.connectRate));
        long restart = System.nanoTime();
        second.start(0, this.identities, new MultiplexedClientFactory(), true);
        second.awaitAllConnected(Duration.ofMinutes(10));
        Duration restartConnect = Duration.ofNanos(System.nanoTime() - restart);
        Map<String, Long> atWindowStart = this.hub.stats();
        int multiplexingClients = second.multiplexed().connectionCount();
        long windowStart = System.nanoTime();
        // A snapshot of the threads while everything runs.
        List<String> ours = threads(name -> !name.contains("-sdk-"));
        List<String> sdk = threads(name -> name.contains("-sdk-"));
        int allThreads = Thread.getAllStackTraces().size();
        progress("steady-state window of " + this.window.toSeconds() + " s");
        TimeUnit.NANOSECONDS.sleep(this.window.toNanos()); // a measurement window, not synchronisation
        long windowEnd = System.nanoTime();
        Map<String, Long> atWindowEnd = this.hub.stats();
        second.sendOneEach("second");
        Map<String, Long> atEnd = this.hub.stats();
        List<Long> calls = second.callsBetween(windowStart, windowEnd);
        second.close();

        double windowSeconds = (windowEnd - windowStart) / 1e9;
        double minimum = this.identities * windowSeconds / this.ttl.toSeconds();
        long bins = Math.max(1, (long) Math.floor((windowEnd - windowStart) / (double) BIN.toNanos()));
        long[] perBin = new long[(int) bins];
        for (long call : calls) {
            int bin = (int) ((call - windowStart) / BIN.toNanos());
            if (bin >= 0 && bin < bins) {
                perBin[bin]++;
            }
        }
        long counted = java.util.Arrays.stream(perBin).sum();
        double average = counted / (double) bins / BIN.toSeconds();
        double peak = java.util.Arrays.stream(perBin).max().orElse(0) / (double) BIN.toSeconds();

        Map<String, Object> f = this.figures;
        f.put("TCP connections (AMQP) for all identities", atWindowStart.get("openAmqp") + " (emulator), "
                + multiplexingClients + " multiplexing client(s)");
        f.put("time to connect all identities, cold start", millis(firstConnect) + String.format(Locale.ROOT,
                " (the rate limit alone: %.1f s)", Math.max(0, this.identities - this.connectRate)
                        / this.connectRate));
        f.put("time to connect all identities after a restart", millis(restartConnect));
        f.put("time to close all identities", millis(close));
        f.put("token server calls in the window", String.format(Locale.ROOT, "%d, theoretical minimum %.0f "
                + "(N x window / TTL), ratio %.2f", calls.size(), minimum, calls.size() / minimum));
        f.put("token server calls per identity per token lifetime", String.format(Locale.ROOT, "%.2f (1/0.8 = "
                + "1.25 at the default renewal fraction)", calls.size() / minimum));
        f.put("token server request rate, peak / average", String.format(Locale.ROOT, "%.1f/s / %.1f/s = %.2f "
                + "(%d s bins over the window)", peak, average, average == 0 ? 0 : peak / average, BIN.toSeconds()));
        f.put("CBS put-tokens (renewals) in the window", (atWindowEnd.get("putTokens") - atWindowStart.get(
                "putTokens")) + " (" + (atWindowEnd.get("renewals") - atWindowStart.get("renewals"))
                + " renewals on the open connection)");
        f.put("hub-side connects / expiry drops / auth failures in the window", (atWindowEnd.get("connects")
                - atWindowStart.get("connects")) + " / " + (atWindowEnd.get("expiryDrops") - atWindowStart.get(
                        "expiryDrops")) + " / " + (atWindowEnd.get("authFailures") - atWindowStart.get(
                                "authFailures")));
        f.put("messages acknowledged", String.valueOf(atEnd.get("messages")) + " (2 per identity expected: "
                + 2 * this.identities + ")");
        f.put("heap per identity: token cache", bytes(cacheShare) + " (target <= 2 KiB)");
        f.put("heap per identity: supervisor (queue, status, lanes)", bytes(supervisorShare));
        f.put("heap per identity: Azure SDK (DeviceClient + AMQP session)", bytes(full - cacheShare
                - supervisorShare));
        f.put("heap per identity: total", bytes(full));
        f.put("threads, ours", ours.size() + " " + summarize(ours));
        f.put("threads, Azure SDK", sdk.size() + " " + summarize(sdk));
        f.put("threads, whole JVM", String.valueOf(allThreads));
        f.put("threads of ours left after closing", String.valueOf(afterClose.size()));
        this.report.append("| figure | value |\n|---|---|\n");
        f.forEach((name, value) -> this.report.append("| ").append(name).append(" | ").append(value).append(" |\n"));
        this.report.append('\n');
    }

    // ---------------------------------------------------------------------------------------------------------
    // Plumbing

    private HubIdentity identity(int i) {
        return HubIdentity.device(HUB_HOST, HubEmulatorProcess.deviceId(i), IdentitySource.STATIC);
    }

    private static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static String bytes(long b) {
        return String.format(Locale.ROOT, "%,d bytes (%.2f KiB)", b, b / 1024.0);
    }

    /** Names with the counter suffix folded: {@code hub-lanes x8, ...}. */
    private static String summarize(List<String> names) {
        Map<String, Long> groups = names.stream().map(n -> n.replaceFirst(NamedThreadFactory.PREFIX, "")
                .replaceAll("-\\d+$", "").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27,}", "<id>"))
                .collect(Collectors.groupingBy(Function.identity(), LinkedHashMap::new, Collectors.counting()));
        return "(" + groups.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue())
                .collect(Collectors.joining(", ")) + ")";
    }

    private static List<String> threads(java.util.function.Predicate<String> filter) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(NamedThreadFactory.PREFIX)).filter(filter).sorted()
                .collect(Collectors.toCollection(ArrayList::new));
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200); // lets finalisation and reference processing settle between collections
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void progress(String what) {
        System.out.println("[benchmark] " + what);
    }

    /** One gateway: one token cache, one connect rate limiter, one shared pool, N supervisors. */
    private static final class Gateway {
        final RenewingTokenCache cache;
        final ConcurrentLinkedQueue<Long> callTimes = new ConcurrentLinkedQueue<>();
        private final MultiplexedGatewayBenchmark bench;
        private final ConnectRateLimiter limiter;
        private final ExecutorTaskScheduler scheduler = new ExecutorTaskScheduler();
        private final ThreadPoolExecutor fetchPool = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory("token-fetch"));
        private final SharedSupervisorPool pool = new SharedSupervisorPool(8, 2);
        private final PlannedReconnectGate gate = new PlannedReconnectGate();
        private final List<HubConnectionSupervisor> supervisors = new ArrayList<>();
        private HubClientFactory clients;

        Gateway(MultiplexedGatewayBenchmark bench, ConnectRateLimiter limiter) {
            this.bench = bench;
            this.limiter = limiter;
            InProcessTokenServer signer = new InProcessTokenServer(bench.ttl, bench.key);
            TokenSource timed = scope -> {
                this.callTimes.add(System.nanoTime());
                return signer.fetch(scope);
            };
            this.cache = new RenewingTokenCache(timed, new RenewalPolicy(0.8, bench.jitter, Duration.ofMinutes(5),
                    new ExponentialBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(5),
                            bench.random::nextDouble),
                    Duration.ofSeconds(30)), Clock.SYSTEM, this.scheduler, this.fetchPool, bench.random::nextDouble);
        }

        /** Starts identities {@code from} (inclusive) to {@code to} (exclusive). */
        void start(int from, int to, HubClientFactory factory, boolean shared) {
            this.clients = factory;
            for (int i = from; i < to; i++) {
                HubIdentity identity = this.bench.identity(i);
                SupervisorSettings settings = SupervisorSettings.builder(identity.deviceId(),
                        new ExponentialBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(60),
                                this.bench.random::nextDouble)).transport(Transport.AMQPS).build();
                HubConnectionSupervisor supervisor = new HubConnectionSupervisor(settings, factory, this.cache,
                        IdentityResolver.fixed(identity), this.bench.trust, this.gate, this.limiter,
                        shared ? this.pool : SupervisorExecutors.DEDICATED, Clock.SYSTEM,
                        this.bench.random::nextDouble);
                this.supervisors.add(supervisor);
                supervisor.start();
            }
        }

        MultiplexedClientFactory multiplexed() {
            return (MultiplexedClientFactory) this.clients;
        }

        void awaitAllConnected(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            long lastReport = 0;
            while (true) {
                long connected = this.supervisors.stream().filter(s -> s.state() == ConnectionState.CONNECTED)
                        .count();
                if (connected == this.supervisors.size()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    Optional<String> example = this.supervisors.stream()
                            .filter(s -> s.state() != ConnectionState.CONNECTED).map(s -> s.status().toString())
                            .findFirst();
                    throw new IllegalStateException(connected + " of " + this.supervisors.size()
                            + " connected; e.g. " + example.orElse("?"));
                }
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
                    lastReport = System.nanoTime();
                    progress(connected + " of " + this.supervisors.size() + " connected");
                }
                Thread.sleep(100); // polling a benchmark's progress
            }
        }

        void sendOneEach(String round) throws Exception {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (HubConnectionSupervisor supervisor : this.supervisors) {
                sent.add(supervisor.send(TelemetryMessage.ofJson("{\"round\":\"" + round + "\"}"))
                        .toCompletableFuture());
            }
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(5, TimeUnit.MINUTES);
        }

        List<Long> callsBetween(long from, long to) {
            return this.callTimes.stream().filter(t -> t >= from && t < to).collect(Collectors.toList());
        }

        void close() throws Exception {
            List<CompletableFuture<Void>> closing = new ArrayList<>();
            ThreadPoolExecutor closer = new ThreadPoolExecutor(8, 8, 1, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), new NamedThreadFactory("bench-close"));
            for (HubConnectionSupervisor supervisor : this.supervisors) {
                closing.add(CompletableFuture.runAsync(supervisor::close, closer));
            }
            CompletableFuture.allOf(closing.toArray(new CompletableFuture[0])).get(5, TimeUnit.MINUTES);
            closer.shutdown();
            closer.awaitTermination(10, TimeUnit.SECONDS);
            this.supervisors.clear();
            this.cache.close();
            this.scheduler.close();
            this.fetchPool.shutdownNow();
            this.fetchPool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Clients that connect at once and acknowledge everything: the supervisor's own cost, without the SDK. */
    private static final class NoWireClients implements HubClientFactory {
        @Override
        public HubClient create(ClientSpec spec, HubClientListener listener) {
            return new HubClient() {
                @Override
                public void open() {
                    listener.onStatus(ClientStatus.CONNECTED, ConnectionReason.CONNECTION_OK, null);
                }

                @Override
                public void send(TelemetryMessage message, Consumer<SendResult> onResult) {
                    onResult.accept(SendResult.ACKNOWLEDGED);
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public Optional<String> problemWith(TelemetryMessage message) {
            return Optional.empty();
        }
    }

    /** The emulator's JVM. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final PrintWriter in;
        final Path caFile;

        private Child(Process process, BufferedReader out, PrintWriter in, Path caFile) {
            this.process = process;
            this.out = out;
            this.in = in;
            this.caFile = caFile;
        }

        static Child start(int identities, String key) throws Exception {
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", System.getProperty("java.class.path"), HubEmulatorProcess.class.getName(),
                    String.valueOf(identities), key).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            PrintWriter in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            String line;
            while ((line = out.readLine()) != null && !line.startsWith(HubEmulatorProcess.READY)) {
                System.out.println("[emulator] " + line);
            }
            if (line == null) {
                throw new IllegalStateException("the emulator process ended before it was ready");
            }
            return new Child(process, out, in, Path.of(line.substring(HubEmulatorProcess.READY.length() + 1)));
        }

        synchronized Map<String, Long> stats() throws Exception {
            this.in.println("stats");
            String line;
            while ((line = this.out.readLine()) != null && !line.startsWith(HubEmulatorProcess.STATS)) {
                System.out.println("[emulator] " + line);
            }
            if (line == null) {
                throw new IllegalStateException("the emulator process ended");
            }
            Map<String, Long> stats = new LinkedHashMap<>();
            for (String pair : line.substring(HubEmulatorProcess.STATS.length()).trim().split(" ")) {
                String[] kv = pair.split("=");
                stats.put(kv[0], Long.parseLong(kv[1]));
            }
            return stats;
        }

        @Override
        public void close() throws Exception {
            this.in.println("quit");
            if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
                this.process.destroyForcibly();
            }
        }
    }
}
