package io.azurekura.connector.itest.runtime;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.configuration.ConfigurationService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;

/**
 * Kura's ConfigurationService, as far as cloud connection factories and Kura's Cloud Connections page use it, over
 * the runtime's ConfigAdmin (docs/kura-conventions.md "Configurable components and metatype"):
 * {@code createFactoryConfiguration} merges the factory's metatype
 * defaults with the given properties and sets {@code kura.service.pid}, refusing a pid that exists;
 * {@code deleteFactoryConfiguration} deletes the factory instance with that {@code kura.service.pid} and ignores
 * unknown ones (Kura 5.3+ only logs them). Snapshots are only counted.
 */
public final class TestConfigurationService implements ConfigurationService {

    public static final String KURA_PID = "org.eclipse.kura.configuration.ConfigurationService";

    private final KuraLikeRuntime runtime;
    private final AtomicInteger snapshots = new AtomicInteger();
    private ServiceRegistration<ConfigurationService> registration;

    private TestConfigurationService(KuraLikeRuntime runtime) {
        this.runtime = runtime;
    }

    /** Registers a ConfigurationService in the runtime, as Kura's core provides one to every bundle. */
    public static TestConfigurationService register(KuraLikeRuntime runtime) {
        TestConfigurationService service = new TestConfigurationService(runtime);
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_PID, KURA_PID);
        properties.put(KuraLikeRuntime.KURA_SERVICE_PID, KURA_PID);
        service.registration = runtime.context().registerService(ConfigurationService.class, service, properties);
        return service;
    }

    public void unregister() {
        this.registration.unregister();
    }

    /** How many snapshots callers asked for. */
    public int snapshots() {
        return this.snapshots.get();
    }

    @Override
    public synchronized void createFactoryConfiguration(String factoryPid, String pid, Map<String, Object> properties,
            boolean takeSnapshot) throws KuraException {
        if (pid == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "pid cannot be null");
        }
        if (this.runtime.configuration(pid).isPresent()) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "pid " + pid + " already exists");
        }
        try {
            this.runtime.createFactoryConfiguration(factoryPid, pid, properties == null ? Map.of() : properties);
        } catch (RuntimeException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e,
                    "Cannot create component instance for factory " + factoryPid);
        }
        if (takeSnapshot) {
            this.snapshots.incrementAndGet();
        }
    }

    @Override
    public synchronized void deleteFactoryConfiguration(String pid, boolean takeSnapshot) throws KuraException {
        if (pid == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "pid cannot be null");
        }
        BundleContext context = this.runtime.context();
        ServiceReference<ConfigurationAdmin> reference = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin admin = context.getService(reference);
        try {
            Configuration[] found = admin.listConfigurations("(" + KuraLikeRuntime.KURA_SERVICE_PID + "="
                    + KuraConfigurations.escape(pid) + ")");
            if (found != null) {
                for (Configuration configuration : found) {
                    if (configuration.getFactoryPid() != null) {
                        configuration.delete();
                    }
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e, "Cannot delete component instance " + pid);
        } finally {
            context.ungetService(reference);
        }
        if (takeSnapshot) {
            this.snapshots.incrementAndGet();
        }
    }

    @Override
    public Set<String> getConfigurableComponentPids() {
        Set<String> pids = new TreeSet<>();
        try {
            ServiceReference<?>[] references = this.runtime.context()
                    .getAllServiceReferences(ConfigurableComponent.class.getName(), null);
            if (references != null) {
                for (ServiceReference<?> reference : references) {
                    Object pid = reference.getProperty(KuraLikeRuntime.KURA_SERVICE_PID);
                    if (pid instanceof String) {
                        pids.add((String) pid);
                    }
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return Collections.unmodifiableSet(pids);
    }

    @Override
    public Set<String> getFactoryComponentPids() {
        BundleContext context = this.runtime.context();
        ServiceReference<MetaTypeService> reference = context.getServiceReference(MetaTypeService.class);
        MetaTypeService metatype = context.getService(reference);
        try {
            Set<String> pids = new TreeSet<>();
            for (Bundle bundle : context.getBundles()) {
                MetaTypeInformation info = metatype.getMetaTypeInformation(bundle);
                if (info != null) {
                    pids.addAll(Arrays.asList(info.getFactoryPids()));
                }
            }
            return Collections.unmodifiableSet(pids);
        } finally {
            context.ungetService(reference);
        }
    }
}
