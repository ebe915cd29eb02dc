package io.azurekura.connector.sandbox;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.kura.configuration.Password;

import io.azurekura.connector.api.hub.HubConnection;
import io.azurekura.connector.itest.endtoend.ConnectorConfiguration;
import io.azurekura.connector.itest.endtoend.LoopbackAzure;
import io.azurekura.connector.itest.runtime.ConnectorResources;
import io.azurekura.connector.itest.runtime.InstalledDeploymentPackage;
import io.azurekura.connector.itest.runtime.KuraLikeRuntime;
import io.azurekura.connector.itest.runtime.OsgiFramework;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;
import io.azurekura.connector.testsupport.pki.TestPki;

/**
 * The connector on a laptop: the built .dp installed through DeploymentAdmin into the same Kura-like Felix runtime
 * the integration tests use, configured from a JSON file as a user would configure it in Kura's web console,
 * against the loopback token server, DPS and IoT Hub (or real ones), with a demo sender and a live status.
 * <p>
 * Runs until Ctrl-C or for {@code -Dsandbox.duration} (e.g. {@code 60s}, {@code 5m}); exits 0 when the connector
 * worked (telemetry acknowledged, no expiry drop, no component in error), 1 when it did not, 2 when the sandbox
 * could not start. Stops every thread it and the connector started before it exits.
 */
public final class Sandbox {

    static final int EXIT_OK = 0;
    static final int EXIT_CONNECTOR_FAILED = 1;
    static final int EXIT_CANNOT_START = 2;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(60);
    private static final PrintStream OUT = System.out;

    private final Path configFile;
    private final Path workDirectory;
    private final Duration duration;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stoppedBySignal;

    private Sandbox(Path configFile, Path workDirectory, Duration duration) {
        this.configFile = configFile;
        this.workDirectory = workDirectory;
        this.duration = duration;
    }

    public static void main(String[] args) {
        int code;
        Sandbox sandbox;
        try {
            sandbox = new Sandbox(Path.of(required("sandbox.config")).toAbsolutePath(),
                    Path.of(required("sandbox.work")).toAbsolutePath(),
                    parseDuration(System.getProperty("sandbox.duration", "")));
        } catch (IllegalArgumentException e) {
            OUT.println("sandbox: " + e.getMessage());
            System.exit(EXIT_CANNOT_START);
            return;
        }
        code = sandbox.run();
        if (!sandbox.stoppedBySignal) {
            // Not during shutdown (Ctrl-C): there the JVM is already exiting and System.exit would block
            System.exit(code);
        }
    }

    private int run() {
        Thread hook = new Thread(this::stopOnSignal, "sandbox-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return runUntilStopped();
        } finally {
            this.finished.countDown();
            if (!this.stoppedBySignal) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
    }

    /** Ctrl-C: let the main thread stop everything and report, then let the JVM exit. */
    private void stopOnSignal() {
        this.stoppedBySignal = true;
        this.stopRequested.countDown();
        try {
            this.finished.await(SHUTDOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int runUntilStopped() {
        Path runDirectory = this.workDirectory.resolve("run-" + LocalDateTime.now()
                .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        SandboxConfig config;
        try {
            Files.createDirectories(runDirectory);
            config = SandboxConfig.read(this.configFile);
        } catch (IOException | RuntimeException e) {
            OUT.println("sandbox: " + e.getMessage());
            return EXIT_CANNOT_START;
        }
        Path logFile = runDirectory.resolve("sandbox.log");
        Handler fileLog = configureLogging(logFile);
        OUT.println("Azure IoT Hub token-server connector sandbox");
        OUT.println("  configuration  " + this.configFile);
        OUT.println("  log            " + logFile);
        OUT.println("  runs           " + (this.duration == null ? "until Ctrl-C" : "for " + this.duration.toSeconds()
                + " s (or until Ctrl-C)"));

        LoopbackAzure azure = null;
        KuraLikeRuntime runtime = null;
        DemoSender sender = null;
        ServiceLookup services = null;
        int code;
        try {
            // The API bundle's exports are what the runtime shares with the bundles: take them from the .dp itself
            Path dp = ShippedArtifacts.deploymentPackage();
            DeploymentPackageFile.read(dp).extractBundles(Path.of(required("itest.bundles.dir")));

            if (config.emulators.enabled()) {
                OUT.println();
                OUT.println("Starting the emulators (IoT Hub must listen on 127.0.0.1:8883, the Azure SDK's MQTT port;"
                        + " waits up to 90 s if it is taken)...");
                azure = startEmulators(config.emulators);
            }
            OUT.println();
            OUT.println("Starting the Kura-like runtime (Apache Felix, SCR, ConfigAdmin, Metatype, DeploymentAdmin)...");
            runtime = KuraLikeRuntime.start(OsgiFramework.FELIX);
            registerKeystores(runtime, config, lookup(azure, runDirectory));

            Instant installStart = Instant.now();
            InstalledDeploymentPackage installed = runtime.installDeploymentPackage(dp);
            OUT.printf("%nInstalled %s %s through DeploymentAdmin in %d ms:%n", installed.symbolicName(),
                    installed.version(), Duration.between(installStart, Instant.now()).toMillis());
            installed.bundles().forEach((bsn, version) -> OUT.println("  " + bsn + " " + version));

            ConnectorConfiguration configuration = config.resolve(lookup(azure, runDirectory));
            printConfiguration(configuration);
            configuration.applyTo(runtime, STARTUP_TIMEOUT);
            // From here on, warnings are news (before, the STS client rightly complained about Kura's empty defaults)
            consoleLogLevel(Level.WARNING);

            services = new ServiceLookup(runtime.context());
            ServiceLookup lookup = services;
            sender = new DemoSender(configuration.instancePids(ConnectorConfiguration.HUB_FACTORY_PID),
                    pid -> lookup.find(HubConnection.class, pid));
            sender.start(config.telemetryInterval);
            OUT.printf("%nDemo sender: one reading per hub connection every %d s. Status every %d s.%n%n",
                    config.telemetryInterval.toSeconds(), config.statusInterval.toSeconds());

            Instant start = Instant.now();
            Instant end = this.duration == null ? null : start.plus(this.duration);
            while (!awaitStop(config.statusInterval, end)) {
                OUT.println(new GatewayStatus(services, configuration, azure, sender,
                        Duration.between(start, Instant.now()), config.telemetryInterval, false).render());
                OUT.println();
            }
            sender.close();
            GatewayStatus last = new GatewayStatus(services, configuration, azure, sender,
                    Duration.between(start, Instant.now()), config.telemetryInterval, true);
            OUT.println((this.stoppedBySignal ? "Stopped by a signal (Ctrl-C). " : "Time is up. ") + "Final status:");
            OUT.println(last.render());
            code = last.problems().isEmpty() ? EXIT_OK : EXIT_CONNECTOR_FAILED;
            OUT.println(code == EXIT_OK ? "RESULT: the connector worked (no problems)."
                    : "RESULT: the connector FAILED: " + String.join("; ", last.problems()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = EXIT_CANNOT_START;
        } catch (RuntimeException | AssertionError e) {
            OUT.println("sandbox: could not start the connector: " + e.getMessage());
            code = EXIT_CANNOT_START;
        } finally {
            stopEverything(sender, services, runtime, azure);
            fileLog.close();
        }
        OUT.println("Exit code " + code + ".");
        return code;
    }

    /** False when it is time for another status line, true when the sandbox must stop. */
    private boolean awaitStop(Duration interval, Instant end) throws InterruptedException {
        long wait = interval.toMillis();
        if (end != null) {
            wait = Math.min(wait, Math.max(0, Duration.between(Instant.now(), end).toMillis()));
        }
        if (this.stopRequested.await(wait, TimeUnit.MILLISECONDS)) {
            return true;
        }
        return end != null && !Instant.now().isBefore(end);
    }

    private static LoopbackAzure startEmulators(SandboxConfig.Emulators settings) {
        LoopbackAzure azure = LoopbackAzure.builder().tokenTtl(settings.tokenTtl()).idScope(settings.idScope())
                .pollsBeforeAssigned(settings.dpsPollsBeforeAssigned())
                .retryAfterSeconds(settings.dpsRetryAfterSeconds()).start();
        settings.identities().forEach(azure::enroll);
        OUT.println("Emulators on loopback (test PKI certificates):");
        OUT.println("  token server   " + azure.tokenServer().baseUri() + " (bearer secret required; tokens live "
                + settings.tokenTtl().toSeconds() + " s)");
        OUT.println("  DPS            https://" + azure.dpsGlobalEndpoint() + " (ID scope " + azure.idScope()
                + ", enrolled: " + String.join(", ", settings.identities()) + ")");
        OUT.println("  IoT Hub        mqtts://" + LoopbackAzure.HUB_HOST + ":" + azure.hub().port());
        return azure;
    }

    private static void registerKeystores(KuraLikeRuntime runtime, SandboxConfig config,
            UnaryOperator<String> lookup) {
        for (SandboxConfig.Keystore keystore : config.keystores) {
            if (keystore.testPki()) {
                runtime.registerKeystore(keystore.kuraServicePid(), TestPki.shared().trustStore(), TestPki.PASSWORD);
                continue;
            }
            char[] password = config.password(keystore, lookup).toCharArray();
            try (InputStream in = Files.newInputStream(keystore.file())) {
                String name = keystore.file().getFileName().toString().toLowerCase(Locale.ROOT);
                KeyStore store = KeyStore.getInstance(name.endsWith(".jks") ? "JKS" : "PKCS12");
                store.load(in, password);
                runtime.registerKeystore(keystore.kuraServicePid(), store, password);
            } catch (IOException | java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot load keystore " + keystore.file() + ": " + e.getMessage(),
                        e);
            }
        }
    }

    /** Values for the configuration's placeholders. */
    private static UnaryOperator<String> lookup(LoopbackAzure azure, Path runDirectory) {
        return name -> {
            if (name.startsWith("env:")) {
                return System.getenv(name.substring(4));
            }
            if (name.equals("run.dir")) {
                return runDirectory.toString();
            }
            if (azure == null) {
                return null;
            }
            switch (name) {
            case "emulator.tokenUrl":
                return azure.tokenUrl();
            case "emulator.bearerSecret":
                return azure.bearerSecret();
            case "emulator.idScope":
                return azure.idScope();
            case "emulator.dpsGlobalEndpoint":
                return azure.dpsGlobalEndpoint();
            default:
                return null;
            }
        };
    }

    private static void printConfiguration(ConnectorConfiguration configuration) {
        OUT.println();
        OUT.println("Configuration entered as in Kura's web console:");
        configuration.singletons().forEach((pid, properties) -> OUT.println("  " + pid + " " + shown(properties)));
        configuration.instances().forEach(instance -> OUT.println("  + " + instance.factoryPid() + " \""
                + instance.kuraServicePid() + "\" " + shown(instance.properties())));
    }

    /** Passwords are shown as Kura's console shows them. */
    private static String shown(Map<String, Object> properties) {
        List<String> entries = new ArrayList<>();
        properties.forEach((key, value) -> entries.add(key + "=" + (value instanceof Password ? "********" : value)));
        return entries.toString();
    }

    private static void stopEverything(DemoSender sender, ServiceLookup services, KuraLikeRuntime runtime,
            LoopbackAzure azure) {
        // Services complain while the framework goes down (e.g. EventAdmin's interrupted delivery): not news
        consoleLogLevel(Level.SEVERE);
        try {
            if (sender != null) {
                sender.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (services != null) {
            services.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (azure != null) {
            azure.close();
        }
        List<String> left;
        try {
            left = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(ConnectorResources::threads, List::isEmpty);
        } catch (ConditionTimeoutException e) {
            left = ConnectorResources.threads();
        }
        OUT.println(left.isEmpty() ? "Stopped: framework, connector and emulators; no connector thread left."
                : "Stopped, but connector threads are still alive: " + left);
    }

    private static Handler configureLogging(Path logFile) {
        System.setProperty("java.util.logging.SimpleFormatter.format",
                "%1$tF %1$tT.%1$tL %4$-7s %3$s: %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        // The terminal shows the live status; the log file has everything
        consoleLogLevel(Level.SEVERE);
        try {
            FileHandler file = new FileHandler(logFile.toString());
            file.setEncoding(StandardCharsets.UTF_8.name());
            file.setFormatter(new SimpleFormatter());
            file.setLevel(Level.INFO);
            root.addHandler(file);
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + logFile, e);
        }
    }

    private static void consoleLogLevel(Level level) {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (handler instanceof ConsoleHandler) {
                handler.setLevel(level);
            }
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("-D" + property + " is required (run through Maven: mvn -f "
                    + "itest/sandbox/pom.xml exec:exec@sandbox)");
        }
        return value;
    }

    /** {@code 90}, {@code 90s}, {@code 5m}, {@code 1h}; empty means no limit. */
    static Duration parseDuration(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.isEmpty()) {
            return null;
        }
        try {
            char unit = value.charAt(value.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            switch (unit) {
            case 's':
                return Duration.ofSeconds(amount);
            case 'm':
                return Duration.ofMinutes(amount);
            case 'h':
                return Duration.ofHours(amount);
            default:
                break;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-Dsandbox.duration=" + text + " is not a duration like 60s, 5m or 1h");
    }
}
