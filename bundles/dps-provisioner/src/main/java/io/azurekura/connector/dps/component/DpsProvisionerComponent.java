package io.azurekura.connector.dps.component;

import java.io.File;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLContext;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.security.keystore.KeystoreService;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.api.dps.ProvisioningListener;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.common.kura.ConfigurationReader;
import io.azurekura.connector.common.kura.KeystoreTls;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.dps.provisioning.DpsProvisioningService;
import io.azurekura.connector.dps.provisioning.HubHostRule;
import io.azurekura.connector.dps.provisioning.ProvisioningSettings;
import io.azurekura.connector.dps.provisioning.ReprovisionPolicy;
import io.azurekura.connector.dps.provisioning.Sleeper;
import io.azurekura.connector.dps.store.AssignmentStore;
import io.azurekura.connector.dps.wire.DpsProtocol;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.GlobalEndpoint;
import io.azurekura.connector.dps.wire.UntrustedText;

/**
 * Maps one Kura factory configuration (one identity) onto a {@link DpsProvisioningService}. A bad configuration
 * never fails activation: the component stays registered, so Kura's UI can fix it, and its status reports the
 * problem as {@link ProvisioningFailure#CONFIGURATION} without calling DPS.
 */
@Component(name = DpsProvisionerComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = { DeviceProvisioner.class, ConfigurableComponent.class })
@Designate(ocd = DpsProvisionerConfiguration.class, factory = true)
public final class DpsProvisionerComponent implements DeviceProvisioner, ConfigurableComponent {

    public static final String PID = "io.azurekura.connector.dps.DpsProvisioner";
    static final String DEFAULT_DIRECTORY = "/opt/eclipse/kura/user/azure-sts-connector/dps";
    /** DPS answers are a few hundred bytes plus the custom allocation payload. */
    static final int MAX_RESPONSE_BYTES = 65_536;
    /** A configuration written by a tool could hold any number of bad values; the status shows the first ones. */
    static final int MAX_REPORTED_PROBLEMS = 20;

    private static final Logger LOG = LoggerFactory.getLogger(DpsProvisionerComponent.class);

    private volatile SasTokenCache tokenCache;
    private volatile KeystoreService truststore;

    private final List<ProvisioningListener> listeners = new CopyOnWriteArrayList<>();
    private final ProvisioningListener fanOut = event -> {
        for (ProvisioningListener listener : this.listeners) {
            try {
                listener.onProvisioningEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("A provisioning listener failed: {}", e.toString());
            }
        }
    };
    private BundleContext bundleContext;
    private Map<String, Object> properties;
    private volatile DpsProvisioningService service;
    private volatile String problem = "not configured yet";
    private volatile List<String> configurationProblems = List.of();

    @Reference(name = "SasTokenCache")
    void setTokenCache(SasTokenCache cache) {
        this.tokenCache = cache;
    }

    @Reference(name = "TruststoreKeystoreService", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(kura.service.pid=changeme)", unbind = "unbindTruststore")
    void bindTruststore(KeystoreService keystore) {
        this.truststore = keystore;
        rebuild("trust store bound");
    }

    void unbindTruststore(KeystoreService keystore) {
        if (this.truststore == keystore) {
            this.truststore = null;
            rebuild("trust store unbound");
        }
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.bundleContext = context;
        this.properties = properties;
        rebuild("activated");
    }

    @Modified
    void modified(Map<String, Object> properties) {
        this.properties = properties;
        rebuild("reconfigured");
    }

    @Deactivate
    synchronized void deactivate() {
        this.properties = null;
        DpsProvisioningService old = this.service;
        this.service = null;
        if (old != null) {
            old.close();
        }
    }

    private synchronized void rebuild(String why) {
        if (this.properties == null) {
            return; // a reference bound before activation; activate() builds
        }
        DpsProvisioningService old = this.service;
        this.service = null;
        if (old != null) {
            old.close(); // first: the new instance must not race the old one on the saved file
        }
        String pid = UntrustedText.escape(instancePid(this.properties));
        ConfigurationReader config = new ConfigurationReader(this.properties);
        try {
            DpsProvisioningService created = create(config, this.properties);
            created.addListener(this.fanOut);
            this.problem = null;
            this.configurationProblems = created.status().configurationProblems();
            this.service = created;
            created.start();
            LOG.info("DPS provisioner {} {}", pid, why);
        } catch (IllegalArgumentException | GeneralSecurityException | KuraException e) {
            this.problem = UntrustedText.escape(e.getMessage());
            List<String> problems = new ArrayList<>(escaped(config.problems()));
            problems.add(this.problem);
            this.configurationProblems = List.copyOf(problems);
            escaped(config.problems()).forEach(p -> LOG.warn("DPS provisioner {} configuration: {}", pid, p));
            LOG.warn("DPS provisioner {} {} but not usable: {}", pid, why, this.problem);
        }
    }

    /** Configuration values are outside input (REST, snapshots, cloud writes bypass the UI's checks): escaped. */
    private static List<String> escaped(List<String> problems) {
        return problems.stream().limit(MAX_REPORTED_PROBLEMS).map(UntrustedText::escape).toList();
    }

    /**
     * The allowed hub suffixes: invalid entries are reported and skipped; none left means Azure's clouds, so a bad
     * value never widens what is accepted.
     */
    private static HubHostRule hubRule(ConfigurationReader config) {
        boolean ipLiterals = config.bool("dps.hub.allow.ip.literals", false);
        String text = config.string("dps.hub.allowed.suffixes", DpsProtocol.DEFAULT_HUB_SUFFIXES_SETTING);
        List<String> valid = new ArrayList<>();
        for (String entry : text.split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            try {
                new HubHostRule(List.of(entry), ipLiterals);
                valid.add(entry);
            } catch (IllegalArgumentException e) {
                config.problem("dps.hub.allowed.suffixes: " + e.getMessage() + "; ignored");
            }
        }
        if (valid.isEmpty()) {
            config.problem("dps.hub.allowed.suffixes: no valid entry; using " + DpsProtocol.DEFAULT_HUB_SUFFIXES);
            return new HubHostRule(DpsProtocol.DEFAULT_HUB_SUFFIXES, ipLiterals);
        }
        return new HubHostRule(valid, ipLiterals);
    }

    private DpsProvisioningService create(ConfigurationReader config, Map<String, Object> props)
            throws GeneralSecurityException, KuraException {
        GlobalEndpoint endpoint = GlobalEndpoint.parse(config.string("dps.global.endpoint",
                DpsProtocol.DEFAULT_GLOBAL_ENDPOINT), config.bool("dps.allow.insecure.http", false));
        String apiVersion = config.string("dps.api.version", DpsProtocol.DEFAULT_API_VERSION);
        if (!apiVersion.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?")) {
            throw new IllegalArgumentException("the DPS api-version '" + apiVersion + "' is not a date like "
                    + DpsProtocol.DEFAULT_API_VERSION);
        }
        long pollMin = config.number("dps.poll.interval.min.seconds", 2, 1, 600);
        long pollMax = config.number("dps.poll.interval.max.seconds", 30, 1, 600);
        long pollDefault = config.number("dps.poll.interval.default.seconds", 3, 1, 600);
        long retryInitial = config.number("dps.retry.initial.seconds", 30, 1, 86_400);
        long retryMax = config.number("dps.retry.max.seconds", 1800, 1, 86_400);
        HubHostRule hubRule = hubRule(config);
        Duration requestTimeout = Duration.ofSeconds(config.number("dps.request.timeout.seconds", 30, 1, 600));
        ProvisioningSettings settings = ProvisioningSettings
                .builder(config.string("dps.id.scope", ""), config.string("dps.registration.id", ""))
                .payloadJson(config.string("dps.payload", ""))
                .reprovisionPolicy(config.choice("dps.reprovision.policy", ReprovisionPolicy.class,
                        ReprovisionPolicy.USE_SAVED))
                .reprovisionOnHubAuthFailure(config.bool("dps.reprovision.on.hub.auth.failure", true))
                .reprovisionMinInterval(Duration.ofSeconds(config.number("dps.reprovision.min.interval.seconds", 600,
                        0, 604_800)))
                .lookupBeforeRegister(config.bool("dps.lookup.before.register", false))
                .pollInterval(Duration.ofSeconds(pollMin), Duration.ofSeconds(Math.max(pollMin, pollMax)),
                        Duration.ofSeconds(pollDefault))
                .overallTimeout(Duration.ofSeconds(config.number("dps.timeout.overall.seconds", 300, 10, 86_400)))
                .tokenWait(Duration.ofSeconds(config.number("dps.token.wait.seconds", 30, 1, 3600)))
                .retry(Duration.ofSeconds(retryInitial), Duration.ofSeconds(Math.max(retryInitial, retryMax)))
                .hubRule(hubRule).configurationProblems(escaped(config.problems())).build();
        settings.configurationProblems().forEach(p -> LOG.warn("DPS provisioner {} configuration: {}",
                UntrustedText.escape(instancePid(props)), p));
        AssignmentStore store = store(config, settings, props);
        DpsRegistrationClient client = new DpsRegistrationClient(endpoint, apiVersion, sslContext(), requestTimeout,
                MAX_RESPONSE_BYTES);
        SecureRandom random = new SecureRandom();
        return new DpsProvisioningService(settings, this.tokenCache, client, store, Clock.SYSTEM, Sleeper.SYSTEM,
                random::nextDouble);
    }

    private AssignmentStore store(ConfigurationReader config, ProvisioningSettings settings,
            Map<String, Object> props) {
        String directory = config.string("dps.assignment.directory", DEFAULT_DIRECTORY);
        Path base;
        if (!directory.isEmpty()) {
            base = Path.of(directory);
        } else {
            File data = this.bundleContext == null ? null : this.bundleContext.getDataFile("dps");
            if (data == null) {
                LOG.warn("DPS provisioner {}: no assignment directory and no bundle data area; the assignment is "
                        + "kept in memory only and registered again after every restart", instancePid(props));
                return null;
            }
            base = data.toPath();
        }
        // One file per instance: a changed ID scope or registration id finds the old file and discards it.
        String name = instancePid(props);
        if (name == null) {
            name = settings.registrationId();
        }
        return new AssignmentStore(base.resolve("assignment-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".json"));
    }

    private static String instancePid(Map<String, Object> props) {
        Object pid = props.get("kura.service.pid");
        if (pid == null) {
            pid = props.get("service.pid");
        }
        return pid == null ? null : String.valueOf(pid);
    }

    /** Null: the JVM's default trust (Azure's public CAs). Otherwise trust exactly the selected Kura keystore. */
    private SSLContext sslContext() throws GeneralSecurityException, KuraException {
        KeystoreService trust = this.truststore;
        if (trust == null) {
            return null;
        }
        return KeystoreTls.sslContext(trust, null);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // DeviceProvisioner

    @Override
    public ProvisioningStatus status() {
        DpsProvisioningService current = this.service;
        if (current != null) {
            return current.status();
        }
        String why = String.valueOf(this.problem);
        return new ProvisioningStatus(ProvisioningState.FAILED, null, false, ProvisioningFailure.CONFIGURATION,
                ProvisioningFailure.CONFIGURATION + ": " + why, null, null, null, 0, null, why,
                this.configurationProblems);
    }

    @Override
    public Optional<Assignment> assignment() {
        DpsProvisioningService current = this.service;
        return current == null ? Optional.empty() : current.assignment();
    }

    @Override
    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        DpsProvisioningService current = this.service;
        return current != null && current.awaitAssignment(timeout);
    }

    @Override
    public void reprovision(String reason) {
        DpsProvisioningService current = this.service;
        if (current != null) {
            current.reprovision(reason);
        }
    }

    @Override
    public boolean hubAuthenticationFailed(String reason) {
        DpsProvisioningService current = this.service;
        return current != null && current.hubAuthenticationFailed(reason);
    }

    @Override
    public void addListener(ProvisioningListener listener) {
        this.listeners.add(listener);
    }

    @Override
    public void removeListener(ProvisioningListener listener) {
        this.listeners.remove(listener);
    }
}
