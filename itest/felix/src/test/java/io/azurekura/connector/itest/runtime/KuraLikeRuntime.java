package io.azurekura.connector.itest.runtime;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.kura.configuration.Password;
import org.eclipse.kura.crypto.CryptoService;
import org.eclipse.kura.security.keystore.KeystoreService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process OSGi runtime that offers the connector what an Eclipse Kura gateway offers it: the framework (Felix
 * 7 or Kura's Equinox 3.16), Felix SCR 2.1.16, ConfigAdmin, Metatype, EventAdmin, LogService and Apache Felix
 * DeploymentAdmin, a {@link CryptoService} and {@link KeystoreService} instances, Kura's API packages at Kura's
 * versions and slf4j 1.7.36. Components are configured through ConfigAdmin exactly as Kura's ConfigurationService
 * does it (see {@link #configure(String, Map)}), including Kura's seeding of singleton defaults when a bundle
 * starts.
 * <p>
 * The system bundle exports to the bundles what the tests share with them: {@code org.eclipse.kura.*} (from
 * kura-api-subset on the test class path), the connector API packages (so tests call the services with the same
 * classes; the API bundle still installs, as it ships, and its imports wire to these), slf4j, and the ConfigAdmin
 * and Metatype APIs (the role Kura's org.eclipse.osgi.services bundle plays).
 * <p>
 * Typical use:
 *
 * <pre>
 * try (KuraLikeRuntime runtime = KuraLikeRuntime.start()) {
 *     runtime.installBundles(ShippedArtifacts.bundleJars()); // or installDeploymentPackage(...)
 *     runtime.configure(pid, Map.of("secret", new Password("s3cret")));
 *     SasTokenCache cache = runtime.awaitService(SasTokenCache.class, Duration.ofSeconds(10));
 * }
 * </pre>
 */
public final class KuraLikeRuntime implements AutoCloseable {

    /** Every thread the connector starts has this name prefix (NamedThreadFactory.PREFIX in connector-common). */
    public static final String CONNECTOR_THREAD_PREFIX = "azure-sts-connector-";
    public static final String KURA_SERVICE_PID = KuraConfigurations.KURA_SERVICE_PID;

    /** What Kura 5.3 to 5.5 exports (docs/kura-conventions.md "Exported API versions"): the versions the connector's
     * imports must accept. */
    static final List<String> KURA_API_PACKAGES = List.of(
            "org.eclipse.kura;version=1.7.0",
            "org.eclipse.kura.configuration;version=1.2.0",
            "org.eclipse.kura.crypto;version=1.3.0",
            "org.eclipse.kura.security.keystore;version=1.1.0",
            "org.eclipse.kura.cloudconnection;version=1.0.0",
            "org.eclipse.kura.cloudconnection.factory;version=1.0.0",
            "org.eclipse.kura.cloudconnection.listener;version=1.0.0",
            "org.eclipse.kura.cloudconnection.message;version=1.0.0",
            "org.eclipse.kura.cloudconnection.publisher;version=1.0.0",
            "org.eclipse.kura.cloudconnection.subscriber;version=1.0.0",
            "org.eclipse.kura.cloudconnection.subscriber.listener;version=1.0.0",
            "org.eclipse.kura.message;version=1.4.0");
    /** Kura's slf4j.api bundle is 1.7.36. */
    static final List<String> SLF4J_PACKAGES = List.of(
            "org.slf4j;version=1.7.36",
            "org.slf4j.spi;version=1.7.36",
            "org.slf4j.helpers;version=1.7.36",
            "org.slf4j.event;version=1.7.36");
    /** Typed test access to ConfigAdmin and Metatype; the service bundles import these (substitutable exports). */
    static final List<String> SERVICE_API_PACKAGES = List.of(
            "org.osgi.service.cm;version=1.6.0",
            "org.osgi.service.metatype;version=1.4.0");

    private static final String API_BUNDLE = "io.azurekura.connector.api";
    private static final Duration RUNTIME_SERVICE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(KuraLikeRuntime.class);

    private final OsgiFramework kind;
    private final Path storage;
    private final boolean ownsStorage;
    private final TestCryptoService crypto = new TestCryptoService();
    private final Map<String, TestKeystoreService> keystores = new LinkedHashMap<>();
    private final Map<String, ServiceRegistration<KeystoreService>> keystoreRegistrations = new HashMap<>();
    private final List<ServiceTracker<?, ?>> trackers = new CopyOnWriteArrayList<>();
    private final RuntimeLog log = new RuntimeLog();
    /** Kura's ConfigurationService seeds defaults when a bundle with metatype becomes ACTIVE. */
    private final BundleListener seeder = event -> {
        if (event.getType() == BundleEvent.STARTED) {
            seed(event.getBundle());
        }
    };

    private Framework framework;
    private volatile boolean stopping = true;
    private KuraConfigurations configurations;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmin;
    private ServiceTracker<MetaTypeService, MetaTypeService> metatype;

    private KuraLikeRuntime(OsgiFramework kind, Path storage, boolean ownsStorage) {
        this.kind = kind;
        this.storage = storage;
        this.ownsStorage = ownsStorage;
    }

    /** Boots the framework chosen by {@value OsgiFramework#PROPERTY} with fresh storage. */
    public static KuraLikeRuntime start() {
        return start(OsgiFramework.selected());
    }

    /** Boots {@code framework} with fresh storage below target/osgi, deleted on {@link #close()}. */
    public static KuraLikeRuntime start(OsgiFramework framework) {
        try {
            Path storage = Files.createTempDirectory(ShippedArtifacts.workDirectory(),
                    framework.runtimeDirectoryName() + "-");
            return boot(new KuraLikeRuntime(framework, storage, true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Boots {@code framework} on {@code storage} (which the caller owns and deletes). */
    public static KuraLikeRuntime start(OsgiFramework framework, Path storage) {
        return boot(new KuraLikeRuntime(framework, storage, false));
    }

    private static KuraLikeRuntime boot(KuraLikeRuntime runtime) {
        runtime.log.attachToJavaLogging();
        try {
            runtime.launch(true);
            return runtime;
        } catch (RuntimeException | Error e) {
            runtime.close();
            throw e;
        }
    }

    // ---- lifecycle

    private void launch(boolean firstBoot) {
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).stream()
                .filter(p -> p.type().getName().equals(this.kind.factoryClassName())).findFirst()
                .orElseThrow(() -> new IllegalStateException(this.kind + " (" + this.kind.factoryClassName()
                        + ") is not on the test class path"))
                .get();
        this.framework = factory.newFramework(frameworkProperties());
        try {
            this.framework.init();
            BundleContext context = this.framework.getBundleContext();
            // Kura's own services exist before any bundle starts, also after a restart
            registerKuraServices(context);
            this.framework.start();
            if (firstBoot) {
                startAll(install(runtimeBundles()));
            }
        } catch (BundleException e) {
            throw new IllegalStateException(this.kind + " failed to start: " + e.getMessage() + diagnostics(), e);
        }
        BundleContext context = this.framework.getBundleContext();
        this.configAdmin = openTracker(ConfigurationAdmin.class);
        this.metatype = openTracker(MetaTypeService.class);
        awaitTracked(this.configAdmin, ConfigurationAdmin.class);
        awaitTracked(this.metatype, MetaTypeService.class);
        if (!OsgiLogBridge.attach(context, this.log)) {
            LOG.warn("no OSGi LogReaderService: framework service logs are not captured");
        }
        this.configurations = new KuraConfigurations(this::configAdmin, this::metatypeService, context::getBundles,
                this.crypto);
        this.stopping = false;
        context.addBundleListener(this.seeder);
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.ACTIVE) {
                seed(bundle);
            }
        }
        LOG.info("{} runtime started on {}", this.kind, this.storage);
    }

    private void seed(Bundle bundle) {
        if (this.stopping || bundle.getState() != Bundle.ACTIVE) {
            return; // a late event while the framework shuts down or restarts
        }
        try {
            this.configurations.seedDefaults(bundle);
        } catch (RuntimeException e) {
            // e.g. the framework is stopping; Kura logs and carries on too
            LOG.warn("could not seed default configurations of {}: {}", bundle.getSymbolicName(), e.toString());
        }
    }

    private Map<String, String> frameworkProperties() {
        Map<String, String> properties = new HashMap<>();
        properties.put(Constants.FRAMEWORK_STORAGE, this.storage.toAbsolutePath().toString());
        properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, String.join(",", systemPackagesExtra()));
        // SCR logs configuration and activation problems at warning level
        properties.put("ds.loglevel", "warn");
        if (this.kind == OsgiFramework.EQUINOX) {
            // Embedded, not launched: no console, no application model, nothing read from System properties
            properties.put("osgi.framework.useSystemProperties", "false");
            properties.put("eclipse.ignoreApp", "true");
            properties.put("osgi.noShutdown", "true");
            properties.put("osgi.console", "");
        }
        return properties;
    }

    private static List<String> systemPackagesExtra() {
        List<String> packages = new ArrayList<>(KURA_API_PACKAGES);
        packages.addAll(SLF4J_PACKAGES);
        packages.addAll(SERVICE_API_PACKAGES);
        // Exactly what the shipped API bundle exports, so its consumers resolve as they would against it
        String apiExports = ShippedArtifacts.mainAttribute(ShippedArtifacts.bundleJar(API_BUNDLE),
                Constants.EXPORT_PACKAGE);
        if (apiExports == null) {
            throw new IllegalStateException(API_BUNDLE + " exports nothing");
        }
        packages.add(apiExports);
        return packages;
    }

    private List<Path> runtimeBundles() {
        Path runtime = ShippedArtifacts.runtimeDirectory();
        List<Path> jars = new ArrayList<>(ShippedArtifacts.jarsIn(runtime.resolve("common")));
        jars.addAll(ShippedArtifacts.jarsIn(runtime.resolve(this.kind.runtimeDirectoryName())));
        return jars;
    }

    private void registerKuraServices(BundleContext context) {
        Hashtable<String, Object> cryptoProperties = new Hashtable<>();
        cryptoProperties.put(Constants.SERVICE_PID, TestCryptoService.KURA_SERVICE_PID);
        cryptoProperties.put(KURA_SERVICE_PID, TestCryptoService.KURA_SERVICE_PID);
        context.registerService(CryptoService.class, this.crypto, cryptoProperties);
        synchronized (this.keystores) {
            this.keystoreRegistrations.clear();
            this.keystores.forEach((pid, keystore) -> register(context, pid, keystore));
        }
    }

    private void register(BundleContext context, String kuraServicePid, TestKeystoreService keystore) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_PID, kuraServicePid);
        properties.put(KURA_SERVICE_PID, kuraServicePid);
        properties.put(ConfigurationAdmin.SERVICE_FACTORYPID, TestKeystoreService.KURA_KEYSTORE_FACTORY_PID);
        this.keystoreRegistrations.put(kuraServicePid,
                context.registerService(KeystoreService.class, keystore, properties));
    }

    /** Stops and starts the framework on the same storage: a gateway reboot. Test services are re-registered. */
    public void restart() {
        stop();
        launch(false);
    }

    /** Stops the framework (all bundles stop, components deactivate) and waits until it has. */
    public void stop() {
        if (this.framework == null) {
            return;
        }
        this.stopping = true;
        try {
            this.framework.getBundleContext().removeBundleListener(this.seeder);
        } catch (IllegalStateException e) {
            // context already invalid
        }
        this.trackers.forEach(ServiceTracker::close);
        this.trackers.clear();
        try {
            this.framework.stop();
            FrameworkEvent event = this.framework.waitForStop(STOP_TIMEOUT.toMillis());
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                throw new IllegalStateException(this.kind + " did not stop within " + STOP_TIMEOUT);
            }
        } catch (BundleException e) {
            throw new IllegalStateException(this.kind + " failed to stop", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + this.kind, e);
        } finally {
            this.framework = null;
        }
        LOG.info("{} runtime stopped", this.kind);
    }

    public boolean isRunning() {
        return this.framework != null && this.framework.getState() == Bundle.ACTIVE;
    }

    /** Stops the framework if it runs, and deletes the storage this runtime created. */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            this.log.detachFromJavaLogging();
            if (this.ownsStorage) {
                deleteRecursively(this.storage);
            }
        }
    }

    // ---- bundles and deployment packages

    /** Installs and starts {@code jars}, as a user would from a shell; returns them in order. */
    public List<Bundle> installBundles(List<Path> jars) {
        try {
            List<Bundle> bundles = install(jars);
            startAll(bundles);
            return bundles;
        } catch (BundleException e) {
            throw new IllegalStateException("cannot install " + jars + ": " + e.getMessage() + diagnostics(), e);
        }
    }

    public List<Bundle> installBundles(Path... jars) {
        return installBundles(Arrays.asList(jars));
    }

    /** Installs a .dp through DeploymentAdmin, as Kura's Packages page does; its bundles are started by it. */
    public InstalledDeploymentPackage installDeploymentPackage(Path deploymentPackage) {
        return deploymentAdmin().install(deploymentPackage);
    }

    /** Uninstalls a deployment package by its symbolic name, as Kura's Packages page does. */
    public boolean uninstallDeploymentPackage(String symbolicName) {
        return deploymentAdmin().uninstall(symbolicName);
    }

    public Optional<InstalledDeploymentPackage> deploymentPackage(String symbolicName) {
        return deploymentAdmin().find(symbolicName);
    }

    private DeploymentAdminClient deploymentAdmin() {
        BundleContext context = context();
        ServiceReference<?> reference = await().atMost(RUNTIME_SERVICE_TIMEOUT)
                .until(() -> context.getServiceReference(DeploymentAdminClient.SERVICE), Objects::nonNull);
        return new DeploymentAdminClient(reference.getBundle(), context.getService(reference));
    }

    private List<Bundle> install(List<Path> jars) throws BundleException {
        BundleContext context = context();
        List<Bundle> bundles = new ArrayList<>();
        for (Path jar : jars) {
            bundles.add(context.installBundle(jar.toUri().toString()));
        }
        return bundles;
    }

    private static void startAll(List<Bundle> bundles) throws BundleException {
        for (Bundle bundle : bundles) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                bundle.start();
            }
        }
    }

    /** The installed bundle with this symbolic name, if any. */
    public Optional<Bundle> bundle(String symbolicName) {
        return Arrays.stream(context().getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst();
    }

    // ---- Kura services

    public TestCryptoService crypto() {
        return this.crypto;
    }

    /**
     * Registers a KeystoreService instance named {@code kuraServicePid} (like Kura's {@code SSLKeystore}), selected by
     * components through {@code <Reference>.target = (kura.service.pid=<kuraServicePid>)}. Survives {@link #restart()}.
     */
    public KeystoreService registerKeystore(String kuraServicePid, KeyStore keyStore, char[] password) {
        TestKeystoreService keystore = new TestKeystoreService(keyStore, password);
        synchronized (this.keystores) {
            if (this.keystores.containsKey(kuraServicePid)) {
                throw new IllegalStateException("a keystore " + kuraServicePid + " is already registered");
            }
            this.keystores.put(kuraServicePid, keystore);
            register(context(), kuraServicePid, keystore);
        }
        return keystore;
    }

    public void unregisterKeystore(String kuraServicePid) {
        synchronized (this.keystores) {
            this.keystores.remove(kuraServicePid);
            ServiceRegistration<KeystoreService> registration = this.keystoreRegistrations.remove(kuraServicePid);
            if (registration != null) {
                registration.unregister();
            }
        }
    }

    // ---- configuration, as Kura's ConfigurationService does it

    /**
     * Kura's {@code ConfigurationService.updateConfiguration(pid, properties)} for a singleton component: metatype
     * defaults, then the running configuration, then {@code properties}; {@code kura.service.pid=pid};
     * {@link Password} values stored encrypted by the test CryptoService (components receive the ciphertext String).
     * ConfigAdmin delivers asynchronously: use {@link #awaitConfigured(String, Map, Duration)} to wait for it.
     *
     * @return the properties as stored
     */
    public Map<String, Object> configure(String pid, Map<String, ?> properties) {
        return this.configurations.configure(pid, properties);
    }

    /**
     * A new instance of a factory component, as created from Kura's web console ("+" then the instance's settings):
     * metatype defaults, then {@code properties} (Passwords encrypted), {@code kura.service.pid=kuraServicePid}.
     *
     * @return the ConfigAdmin PID of the instance
     */
    public String createFactoryConfiguration(String factoryPid, String kuraServicePid, Map<String, ?> properties) {
        return this.configurations.createFactoryConfiguration(factoryPid, kuraServicePid, properties);
    }

    /** Updates the configuration known to Kura as {@code kuraServicePid} (singleton or factory instance). */
    public Map<String, Object> updateConfiguration(String kuraServicePid, Map<String, ?> properties) {
        return this.configurations.update(kuraServicePid, properties);
    }

    /** Deletes the configuration known to Kura as {@code kuraServicePid}; false if there is none. */
    public boolean deleteConfiguration(String kuraServicePid) {
        return this.configurations.delete(kuraServicePid);
    }

    /** The stored configuration known to Kura as {@code kuraServicePid}. */
    public Optional<Map<String, Object>> configuration(String kuraServicePid) {
        return this.configurations.properties(kuraServicePid);
    }

    /**
     * Waits until the component known to Kura as {@code kuraServicePid} is registered as a ConfigurableComponent
     * with {@code applied} (typically what {@link #configure} returned) as its service properties.
     */
    public ServiceReference<?> awaitConfigured(String kuraServicePid, Map<String, Object> applied, Duration timeout) {
        String filter = "(&(" + Constants.OBJECTCLASS + "=org.eclipse.kura.configuration.ConfigurableComponent)("
                + KURA_SERVICE_PID + "=" + KuraConfigurations.escape(kuraServicePid) + "))";
        BundleContext context = context();
        try {
            return await().atMost(timeout).until(() -> {
                ServiceReference<?>[] references = context.getAllServiceReferences(null, filter);
                return references == null ? null
                        : Arrays.stream(references).filter(r -> hasProperties(r, applied)).findFirst().orElse(null);
            }, Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no ConfigurableComponent " + kuraServicePid + " with the configuration "
                    + applied.keySet() + " within " + timeout + diagnostics(), e);
        }
    }

    private static boolean hasProperties(ServiceReference<?> reference, Map<String, Object> expected) {
        return expected.entrySet().stream()
                .allMatch(e -> Objects.deepEquals(e.getValue(), reference.getProperty(e.getKey())));
    }

    // ---- services

    public BundleContext context() {
        if (this.framework == null) {
            throw new IllegalStateException("the runtime is stopped");
        }
        return this.framework.getBundleContext();
    }

    /** Waits for a service of {@code type} visible to the tests (same class space) and returns it. */
    public <T> T awaitService(Class<T> type, Duration timeout) {
        return awaitService(type, null, timeout);
    }

    /** As {@link #awaitService(Class, Duration)}, among services matching the LDAP {@code filter}. */
    public <T> T awaitService(Class<T> type, String filter, Duration timeout) {
        ServiceTracker<T, T> tracker = openTracker(type, filter);
        try {
            await().atMost(timeout).until(() -> tracker.getService() != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + type.getName() + (filter == null ? "" : " " + filter) + " within "
                    + timeout + classSpaceHint(type, filter) + diagnostics(), e);
        }
        return tracker.getService();
    }

    /** Waits for a service reference of {@code type} matching {@code filter}. */
    public <T> ServiceReference<T> awaitServiceReference(Class<T> type, String filter, Duration timeout) {
        ServiceTracker<T, T> tracker = openTracker(type, filter);
        try {
            return await().atMost(timeout).until(tracker::getServiceReference, Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + type.getName() + (filter == null ? "" : " " + filter) + " within "
                    + timeout + classSpaceHint(type, filter) + diagnostics(), e);
        }
    }

    /** Waits until no service of {@code type} matching {@code filter} is registered. */
    public void awaitNoService(Class<?> type, String filter, Duration timeout) {
        BundleContext context = context();
        try {
            await().atMost(timeout)
                    .until(() -> context.getAllServiceReferences(type.getName(), filter) == null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("a " + type.getName() + " " + filter + " is still registered" + diagnostics(),
                    e);
        }
    }

    /** Components, bundles and their states: for failure messages. */
    public String diagnostics() {
        return this.framework == null ? "" : "\nruntime state:" + ScrDiagnostics.describe(context());
    }

    public RuntimeLog log() {
        return this.log;
    }

    public OsgiFramework framework() {
        return this.kind;
    }

    public Path storage() {
        return this.storage;
    }

    private String classSpaceHint(Class<?> type, String filter) {
        try {
            ServiceReference<?>[] all = context().getAllServiceReferences(type.getName(), filter);
            if (all != null) {
                return "\n(" + all.length + " registered but not assignable to the test's " + type.getName()
                        + ": the bundle wired to another exporter of its package)";
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            // reported elsewhere
        }
        return "";
    }

    private <T> ServiceTracker<T, T> openTracker(Class<T> type) {
        return openTracker(type, null);
    }

    private <T> ServiceTracker<T, T> openTracker(Class<T> type, String filter) {
        BundleContext context = context();
        ServiceTracker<T, T> tracker;
        if (filter == null) {
            tracker = new ServiceTracker<>(context, type, null);
        } else {
            try {
                Filter combined = context.createFilter(
                        "(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")" + filter + ")");
                tracker = new ServiceTracker<>(context, combined, null);
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException("bad filter " + filter, e);
            }
        }
        tracker.open();
        this.trackers.add(tracker);
        return tracker;
    }

    private <T> void awaitTracked(ServiceTracker<T, T> tracker, Class<T> type) {
        try {
            await().atMost(RUNTIME_SERVICE_TIMEOUT).until(() -> tracker.getService() != null);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(this.kind + " runtime has no " + type.getName() + classSpaceHint(type,
                    null) + diagnostics(), e);
        }
    }

    private ConfigurationAdmin configAdmin() {
        return Objects.requireNonNull(this.configAdmin.getService(), "ConfigurationAdmin is gone");
    }

    private MetaTypeService metatypeService() {
        return Objects.requireNonNull(this.metatype.getService(), "MetaTypeService is gone");
    }

    // ---- threads

    /** Names of the live threads the connector started (prefix {@value #CONNECTOR_THREAD_PREFIX}). */
    public static List<String> connectorThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith(CONNECTOR_THREAD_PREFIX)).sorted().collect(Collectors.toList());
    }

    /** Waits until no connector thread is alive: threads exit shortly after their executor is shut down. */
    public static void awaitNoConnectorThreads(Duration timeout) {
        try {
            await().atMost(timeout).until(() -> connectorThreads().isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("connector threads still alive after " + timeout + ": " + connectorThreads(),
                    e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("cannot delete {}: {}", path, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", root, e.toString());
        }
    }
}
