package io.azurekura.connector.sandbox;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.osgi.util.tracker.ServiceTracker;

import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.hub.ConnectionStatus;
import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.api.hub.MessageReceipt;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.itest.endtoend.ConnectorConfiguration;
import io.azurekura.connector.itest.endtoend.LoopbackAzure;
import io.azurekura.connector.itest.runtime.ConnectorResources;
import io.azurekura.connector.itest.runtime.InstalledDeploymentPackage;
import io.azurekura.connector.itest.runtime.KuraLikeRuntime;
import io.azurekura.connector.itest.runtime.OsgiFramework;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;
import io.azurekura.connector.testsupport.pki.TestPki;

/**
 * Figures, not tests: the .dp's size against the raw size of the jars it embeds; the time from installing the .dp
 * to the first telemetry IoT Hub acknowledged, on loopback (cold: DPS registration included; warm: reinstall on a
 * configured gateway with a saved assignment); heap and threads of the connector with one identity. Printed and
 * written to {@code <output>/connector-figures.md}.
 */
public final class Figures {

    private static final int COLD_RUNS = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern VERSIONED_JAR = Pattern.compile("(.+?)-\\d.*\\.jar");
    private static final PrintStream OUT = System.out;

    private final Path output;
    private final List<String> report = new ArrayList<>();

    private Figures(Path output) {
        this.output = output;
    }

    public static void main(String[] args) throws Exception {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (handler instanceof ConsoleHandler) {
                handler.setLevel(Level.SEVERE);
            }
        }
        Path output = Path.of(args.length > 0 ? args[0] : "target/figures");
        Files.createDirectories(output);
        new Figures(output).run();
        System.exit(0);
    }

    private void run() throws Exception {
        Path dp = ShippedArtifacts.deploymentPackage();
        DeploymentPackageFile contents = DeploymentPackageFile.read(dp);
        contents.extractBundles(Path.of(System.getProperty("itest.bundles.dir")));
        line("# Connector figures");
        line("");
        line("Measured " + Instant.now() + " on " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
                + System.getProperty("java.version") + ", Apache Felix (the sandbox's runtime), loopback emulators.");
        sizes(contents, Path.of(System.getProperty("figures.raw")));
        timings(dp);
        Path file = this.output.resolve("connector-figures.md");
        Files.write(file, this.report, StandardCharsets.UTF_8);
        OUT.println();
        OUT.println("Written to " + file);
    }

    // ---- sizes

    private void sizes(DeploymentPackageFile contents, Path rawDirectory) throws IOException {
        Map<String, Path> raw = new LinkedHashMap<>();
        try (Stream<Path> jars = Files.list(rawDirectory)) {
            for (Path jar : jars.sorted().toList()) {
                Matcher name = VERSIONED_JAR.matcher(jar.getFileName().toString());
                if (name.matches()) {
                    raw.put(name.group(1), jar);
                }
            }
        }
        line("");
        line("## Deployment package size");
        line("");
        line("| bundle | jar in the .dp | embedded third-party code | of which | our own code and metadata |");
        line("|---|---:|---:|---|---:|");
        Map<String, Path> embeddedRaw = new LinkedHashMap<>();
        long bundlesTotal = 0;
        long ownTotal = 0;
        for (DeploymentPackageFile.BundleEntry bundle : contents.bundles()) {
            long size = bundle.content().length;
            long nested = bundle.nestedJars().stream().mapToLong(DeploymentPackageFile.NestedJar::bytes).sum();
            long embedded = nested + bundle.embeddedClassBytes();
            List<String> parts = new ArrayList<>();
            for (DeploymentPackageFile.NestedJar jar : bundle.nestedJars()) {
                String artifact = Path.of(jar.name()).getFileName().toString().replaceFirst("\\.jar$", "");
                parts.add(artifact + " " + kib(jar.bytes()));
                if (raw.containsKey(artifact)) {
                    embeddedRaw.put(artifact, raw.get(artifact));
                }
            }
            if (bundle.embeddedClassBytes() > 0) {
                parts.add("Gson classes " + kib(bundle.embeddedClassBytes()));
                if (raw.containsKey("gson")) {
                    embeddedRaw.put("gson", raw.get("gson"));
                }
            }
            bundlesTotal += size;
            ownTotal += size - embedded;
            line("| " + bundle.symbolicName() + " " + bundle.version() + " | " + kib(size) + " | " + kib(embedded)
                    + " | " + (parts.isEmpty() ? "-" : String.join(", ", parts)) + " | " + kib(size - embedded)
                    + " |");
        }
        long rawTotal = 0;
        List<String> rawParts = new ArrayList<>();
        for (Map.Entry<String, Path> jar : embeddedRaw.entrySet()) {
            long size = Files.size(jar.getValue());
            rawTotal += size;
            rawParts.add(jar.getValue().getFileName() + " " + kib(size));
        }
        long dpSize = contents.fileSize();
        line("");
        line("- `.dp` file: **" + kib(dpSize) + "** (" + contents.bundles().size() + " bundles, " + kib(bundlesTotal)
                + " of bundle jars)");
        line("- the third-party jars it embeds, at their Maven Central size: **" + kib(rawTotal) + "** ("
                + String.join(", ", rawParts) + ")");
        line("- our own code and bundle metadata: " + kib(ownTotal) + "; the .dp is "
                + String.format(Locale.ROOT, "%.2f", (double) dpSize / rawTotal)
                + "× the raw third-party jars (Gson is embedded by several bundles, each privately)");
    }

    // ---- timings, heap and threads

    private void timings(Path dp) throws Exception {
        line("");
        line("## From .dp install to the first acknowledged telemetry (loopback)");
        line("");
        line("Times from the start of the install. Cold: a new gateway (empty ConfigAdmin, no saved assignment); the "
                + "configuration is entered through ConfigAdmin as Kura does, as soon as DeploymentAdmin returns, and "
                + "the first message is sent as soon as the hub connection service is registered (it is queued "
                + "until connected). DPS answers `Retry-After: 1` and assigns on the first "
                + "poll (the real DPS sends 3 s). Warm: the .dp uninstalled and installed again on the configured "
                + "gateway (configuration kept by Kura, assignment saved: no DPS call).");
        line("");
        line("| run | install (DeploymentAdmin) | configuration entered | DPS assignment | connected | first "
                + "telemetry acknowledged |");
        line("|---|---:|---:|---:|---:|---:|");
        List<Long> cold = new ArrayList<>();
        Footprint footprint = null;
        for (int run = 1; run <= COLD_RUNS; run++) {
            Measurement measurement = measure(dp, "figures-device-" + run, run == 1);
            cold.add(measurement.firstAck);
            line("| cold " + run + " | " + measurement.row() + " |");
            if (measurement.warm != null) {
                line("| warm (reinstall) | " + measurement.warm.row() + " |");
            }
            if (measurement.footprint != null) {
                footprint = measurement.footprint;
            }
        }
        cold.sort(Comparator.naturalOrder());
        line("");
        line("Median cold install → first acknowledged telemetry: **" + cold.get(cold.size() / 2)
                + " ms** (target < 3000 ms).");
        if (footprint != null) {
            line("");
            line("## Heap and threads with one identity (connected, after the first telemetry)");
            line("");
            line("- threads of the connector and the libraries it embeds: **" + footprint.threads.size() + "** ("
                    + String.join(", ", footprint.threads) + ")");
            line("- heap in use after a full GC: " + mib(footprint.heapBefore) + " before the install, "
                    + mib(footprint.heapAfter) + " connected: **+" + mib(footprint.heapAfter - footprint.heapBefore)
                    + "** (the bundles' classes live in metaspace: +" + footprint.classes + " classes loaded)");
        }
    }

    private record Footprint(List<String> threads, long heapBefore, long heapAfter, long classes) {
    }

    private static final class Measurement {
        long install;
        long configured;
        long assigned;
        long connected;
        long firstAck;
        Measurement warm;
        Footprint footprint;

        String row() {
            return this.install + " ms | " + this.configured + " ms | " + (this.assigned < 0 ? "saved, no DPS call"
                    : this.assigned + " ms") + " | " + this.connected + " ms | **" + this.firstAck + " ms**";
        }
    }

    private Measurement measure(Path dp, String device, boolean withFootprint) throws Exception {
        Path assignments = Files.createTempDirectory(this.output, "assignments-");
        try (LoopbackAzure azure = LoopbackAzure.builder().pollsBeforeAssigned(0).retryAfterSeconds(1).start()
                .enroll(device); KuraLikeRuntime runtime = KuraLikeRuntime.start(OsgiFramework.FELIX)) {
            runtime.registerKeystore(ConnectorConfiguration.LOOPBACK_TRUSTSTORE_PID, TestPki.shared().trustStore(),
                    TestPki.PASSWORD);
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long classesBefore = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
            long heapBefore = withFootprint ? usedHeapAfterGc(memory) : 0;

            ConnectorConfiguration configuration = ConnectorConfiguration.forLoopback(azure, assignments, device);
            Measurement cold = installAndSend(runtime, dp, configuration, device, true);
            if (withFootprint) {
                cold.footprint = new Footprint(ConnectorResources.threads(), heapBefore, usedHeapAfterGc(memory),
                        ManagementFactory.getClassLoadingMXBean().getLoadedClassCount() - classesBefore);
            }
            InstalledDeploymentPackage installed = runtime.deploymentPackage("connector-kura-deployment")
                    .orElseThrow();
            runtime.uninstallDeploymentPackage(installed.symbolicName());
            runtime.awaitNoService(HubConnection.class, null, TIMEOUT);
            if (withFootprint) {
                cold.warm = installAndSend(runtime, dp, configuration, device, false);
            }
            return cold;
        } finally {
            deleteRecursively(assignments);
        }
    }

    private static Measurement installAndSend(KuraLikeRuntime runtime, Path dp, ConnectorConfiguration configuration,
            String device, boolean enterConfiguration) throws Exception {
        Measurement measurement = new Measurement();
        Instant start = Instant.now();
        runtime.installDeploymentPackage(dp);
        measurement.install = since(start);
        if (enterConfiguration) {
            configuration.enterInto(runtime);
        }
        measurement.configured = since(start);
        // A tracker wakes up on the registration itself (polling would add its interval to the figure)
        ServiceTracker<HubConnection, HubConnection> tracker = new ServiceTracker<>(runtime.context(),
                runtime.context().createFilter("(&(objectClass=" + HubConnection.class.getName()
                        + ")(kura.service.pid=" + ConnectorConfiguration.hubPid(device) + "))"), null);
        tracker.open();
        HubConnection connection;
        MessageReceipt receipt;
        try {
            connection = tracker.waitForService(TIMEOUT.toMillis());
            if (connection == null) {
                throw new IllegalStateException("no hub connection within " + TIMEOUT + runtime.diagnostics());
            }
            receipt = connection.send(TelemetryMessage.ofJson("{\"figures\":true}")).toCompletableFuture()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            tracker.close();
        }
        measurement.firstAck = Duration.between(start, receipt.acknowledgedAt()).toMillis();
        ConnectionStatus status = connection.status();
        measurement.connected = status.connectedSince().map(t -> Duration.between(start, t).toMillis()).orElse(-1L);
        DeviceProvisioner provisioner = runtime.awaitService(DeviceProvisioner.class,
                "(kura.service.pid=" + ConnectorConfiguration.dpsPid(device) + ")", TIMEOUT);
        measurement.assigned = provisioner.status().isFromSavedAssignment() ? -1
                : provisioner.assignment().map(a -> Duration.between(start, a.assignedAt()).toMillis()).orElse(-1L);
        return measurement;
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            ConnectorResources.collectGarbage();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static long since(Instant start) {
        return Duration.between(start, Instant.now()).toMillis();
    }

    private void line(String text) {
        this.report.add(text);
        OUT.println(text);
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%,.0f KiB", bytes / 1024.0);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
