package io.azurekura.connector.itest.endtoend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.configuration.Password;

import io.azurekura.connector.itest.runtime.KuraLikeRuntime;

/**
 * What a user enters in Kura's web console to run the connector: the two singleton components (STS client, token
 * cache) and, per identity, a DPS provisioner instance and a hub connection instance (created with "+", named by
 * their {@code kura.service.pid}). Password values are {@link Password}s, which the runtime stores encrypted as
 * Kura does. {@link #applyTo(KuraLikeRuntime, Duration)} enters them in that order and waits until every component
 * is registered with its configuration.
 */
public final class ConnectorConfiguration {

    public static final String STS_CLIENT_PID = "io.azurekura.connector.sts.StsClient";
    public static final String TOKEN_CACHE_PID = "io.azurekura.connector.cache.TokenCache";
    public static final String DPS_FACTORY_PID = "io.azurekura.connector.dps.DpsProvisioner";
    public static final String HUB_FACTORY_PID = "io.azurekura.connector.hub.HubConnectionManager";
    /** The Kura keystore (like Kura's own SSLKeystore) holding the test CA, for the loopback services' TLS. */
    public static final String LOOPBACK_TRUSTSTORE_PID = "AzureLoopbackTruststore";

    /** A factory component instance: created by Kura's "+" under {@code factoryPid}, named {@code kuraServicePid}. */
    public record Instance(String factoryPid, String kuraServicePid, Map<String, Object> properties) {
    }

    private final Map<String, Map<String, Object>> singletons = new LinkedHashMap<>();
    private final List<Instance> instances = new ArrayList<>();

    public static ConnectorConfiguration empty() {
        return new ConnectorConfiguration();
    }

    /**
     * The configuration the end-to-end tests and the sandbox use against {@link LoopbackAzure}: bearer secret as a
     * Kura Password, every TLS trust from {@link #LOOPBACK_TRUSTSTORE_PID}, tokens renewed at half their life and
     * failed fetches retried within a second (short token lifetimes need both), and one DPS provisioner plus one
     * DPS-fed hub connection per registration id ({@code dps-<id>}, {@code hub-<id>}), the assignment saved below
     * {@code assignmentDirectory}.
     */
    public static ConnectorConfiguration forLoopback(LoopbackAzure azure, Path assignmentDirectory,
            String... registrationIds) {
        String trust = "(kura.service.pid=" + LOOPBACK_TRUSTSTORE_PID + ")";
        ConnectorConfiguration configuration = empty();
        Map<String, Object> sts = new LinkedHashMap<>();
        sts.put("sts.url.device", azure.tokenUrl());
        sts.put("sts.auth.type", "BEARER");
        sts.put("sts.auth.secret", new Password(azure.bearerSecret()));
        sts.put("TruststoreKeystoreService.target", trust);
        // Loopback tokens live seconds; the production default (60 s) would refuse them all
        sts.put("token.min.remaining.seconds", 1);
        configuration.singleton(STS_CLIENT_PID, sts);

        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("renewal.fraction", 0.5d);
        cache.put("retry.initial.ms", 100);
        cache.put("retry.max.ms", 1000);
        configuration.singleton(TOKEN_CACHE_PID, cache);

        for (String registrationId : registrationIds) {
            Map<String, Object> dps = new LinkedHashMap<>();
            dps.put("dps.id.scope", azure.idScope());
            dps.put("dps.registration.id", registrationId);
            dps.put("dps.global.endpoint", azure.dpsGlobalEndpoint());
            dps.put("dps.assignment.directory", assignmentDirectory.toAbsolutePath().toString());
            // The loopback hub is no Azure host name: allow it explicitly, as a test setup must.
            dps.put("dps.hub.allowed.suffixes", LoopbackAzure.HUB_HOST);
            dps.put("dps.poll.interval.min.seconds", 1);
            dps.put("dps.poll.interval.default.seconds", 1);
            dps.put("dps.retry.initial.seconds", 1);
            dps.put("dps.retry.max.seconds", 5);
            dps.put("TruststoreKeystoreService.target", trust);
            configuration.instance(DPS_FACTORY_PID, dpsPid(registrationId), dps);

            configuration.instance(HUB_FACTORY_PID, hubPid(registrationId),
                    dpsHubConnection(dpsPid(registrationId), trust));
        }
        return configuration;
    }

    /** A hub connection taking its identity from the DPS provisioner {@code dpsPid}, trusting {@code trustTarget}. */
    public static Map<String, Object> dpsHubConnection(String dpsPid, String trustTarget) {
        Map<String, Object> hub = new LinkedHashMap<>();
        hub.put("identity.source", "DPS");
        hub.put("DeviceProvisioner.target", "(kura.service.pid=" + dpsPid + ")");
        hub.put("trust.source", "KEYSTORE");
        hub.put("TruststoreKeystoreService.target", trustTarget);
        // Renewed tokens go into use at once; several identities would want the default jitter
        hub.put("renewal.reconnect.jitter.seconds", 0);
        hub.put("reconnect.initial.delay.ms", 100);
        hub.put("reconnect.max.delay.ms", 1000);
        return hub;
    }

    public static String dpsPid(String registrationId) {
        return "dps-" + registrationId;
    }

    public static String hubPid(String registrationId) {
        return "hub-" + registrationId;
    }

    /** Adds (or replaces) a singleton component's values; unnamed fields keep their metatype defaults. */
    public ConnectorConfiguration singleton(String pid, Map<String, ?> properties) {
        this.singletons.put(pid, new LinkedHashMap<>(properties));
        return this;
    }

    /** Adds a factory instance. */
    public ConnectorConfiguration instance(String factoryPid, String kuraServicePid, Map<String, ?> properties) {
        this.instances.add(new Instance(factoryPid, kuraServicePid, new LinkedHashMap<>(properties)));
        return this;
    }

    /** Changes one value of a singleton or instance before it is applied. */
    public ConnectorConfiguration set(String kuraServicePid, String key, Object value) {
        Map<String, Object> singleton = this.singletons.get(kuraServicePid);
        if (singleton != null) {
            singleton.put(key, value);
            return this;
        }
        for (Instance instance : this.instances) {
            if (instance.kuraServicePid().equals(kuraServicePid)) {
                instance.properties().put(key, value);
                return this;
            }
        }
        throw new IllegalArgumentException("no component " + kuraServicePid + " in this configuration");
    }

    public Map<String, Map<String, Object>> singletons() {
        return Collections.unmodifiableMap(this.singletons);
    }

    public List<Instance> instances() {
        return Collections.unmodifiableList(this.instances);
    }

    /** The kura.service.pids of the instances of {@code factoryPid}, in the order they were added. */
    public List<String> instancePids(String factoryPid) {
        return this.instances.stream().filter(i -> i.factoryPid().equals(factoryPid))
                .map(Instance::kuraServicePid).toList();
    }

    /**
     * Enters everything at once without waiting for the components, as a provisioning script would; for timing
     * measurements, where waiting on each component would add the waiting's own delays.
     */
    public void enterInto(KuraLikeRuntime runtime) {
        this.singletons.forEach(runtime::configure);
        createInstances(runtime);
    }

    private void createInstances(KuraLikeRuntime runtime) {
        for (Instance instance : this.instances) {
            runtime.createFactoryConfiguration(instance.factoryPid(), instance.kuraServicePid(),
                    instance.properties());
        }
    }

    /**
     * Enters everything as a user would in the web console, singletons first, and waits until each component is
     * registered as a ConfigurableComponent with what was entered.
     */
    public void applyTo(KuraLikeRuntime runtime, Duration timeout) {
        this.singletons.forEach((pid, properties) -> runtime.awaitConfigured(pid,
                runtime.configure(pid, properties), timeout));
        createInstances(runtime);
        for (Instance instance : this.instances) {
            runtime.awaitServiceReference(ConfigurableComponent.class,
                    "(kura.service.pid=" + instance.kuraServicePid() + ")", timeout);
        }
    }
}
