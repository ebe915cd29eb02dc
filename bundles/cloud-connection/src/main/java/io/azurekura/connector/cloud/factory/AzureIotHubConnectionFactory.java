package io.azurekura.connector.cloud.factory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.factory.CloudConnectionFactory;
import org.eclipse.kura.configuration.ConfigurationService;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.cloud.CloudComponents;

/**
 * The "Azure IoT Hub (token server)" connection type in Kura's Cloud Connections page. Not configurable: Kura finds
 * it by its service properties (default pid and pid regex for the "New connection" dialog, and the
 * {@code service.pid} stored in every endpoint it creates; DS 1.1 description, see bnd.bnd) and creates, lists and
 * deletes connections through it.
 */
@Component(name = CloudComponents.CONNECTION_FACTORY_PID, immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE, service = CloudConnectionFactory.class,
        property = { "service.pid=" + CloudComponents.CONNECTION_FACTORY_PID,
                CloudComponents.KURA_UI_CSF_PID_DEFAULT + "=" + CloudComponents.DEFAULT_ENDPOINT_PID,
                CloudComponents.KURA_UI_CSF_PID_REGEX + "=" + CloudComponents.ENDPOINT_PID_REGEX,
                "service.description=" + CloudComponents.CONNECTION_TYPE_NAME })
public final class AzureIotHubConnectionFactory implements CloudConnectionFactory {

    private static final Logger LOG = LoggerFactory.getLogger(AzureIotHubConnectionFactory.class);

    private volatile ConfigurationService configurationService;
    private BundleContext context;

    @Reference(name = "ConfigurationService", unbind = "unsetConfigurationService")
    void setConfigurationService(ConfigurationService service) {
        this.configurationService = service;
    }

    void unsetConfigurationService(ConfigurationService service) {
        if (this.configurationService == service) {
            this.configurationService = null;
        }
    }

    @Activate
    void activate(BundleContext bundleContext) {
        this.context = bundleContext;
    }

    @Override
    public String getFactoryPid() {
        return CloudComponents.ENDPOINT_FACTORY_PID;
    }

    @Override
    public void createConfiguration(String pid) throws KuraException {
        ConnectionStack stack = stack(pid);
        ConfigurationService service = this.configurationService;
        List<String> created = new ArrayList<>();
        try {
            service.createFactoryConfiguration(CloudComponents.ENDPOINT_FACTORY_PID, stack.endpointPid(),
                    stack.endpointProperties(), false);
            created.add(stack.endpointPid());
            service.createFactoryConfiguration(CloudComponents.HUB_CONNECTION_FACTORY_PID, stack.hubConnectionPid(),
                    stack.hubConnectionProperties(), false);
            created.add(stack.hubConnectionPid());
            service.createFactoryConfiguration(CloudComponents.PROVISIONER_FACTORY_PID, stack.provisionerPid(),
                    stack.provisionerProperties(), true);
            created.add(stack.provisionerPid());
        } catch (KuraException | RuntimeException e) {
            // A half-made stack would show as a connection that can never work: take back what was made
            LOG.warn("Creating cloud connection {} failed after {}: {}", pid, created, e.getMessage());
            deleteAll(service, created);
            throw e;
        }
        LOG.info("Created cloud connection {} with components {}", pid, stack.pids());
    }

    @Override
    public List<String> getStackComponentsPids(String pid) throws KuraException {
        return stack(pid).pids();
    }

    @Override
    public void deleteConfiguration(String pid) throws KuraException {
        ConnectionStack stack = stack(pid);
        // Endpoint first: it withdraws its token cache gate, so the hub connection closes before it is deleted
        KuraException failure = deleteAll(this.configurationService, stack.pids());
        if (failure != null) {
            throw failure;
        }
        LOG.info("Deleted cloud connection {} and its components", pid);
    }

    @Override
    public Set<String> getManagedCloudConnectionPids() throws KuraException {
        Set<String> pids = new TreeSet<>();
        try {
            Collection<ServiceReference<CloudEndpoint>> references = this.context.getServiceReferences(
                    CloudEndpoint.class, "(" + KURA_CLOUD_CONNECTION_FACTORY_PID + "="
                            + CloudComponents.CONNECTION_FACTORY_PID + ")");
            for (ServiceReference<CloudEndpoint> reference : references) {
                Object pid = reference.getProperty(CloudComponents.KURA_SERVICE_PID);
                if (pid instanceof String && ConnectionStack.ENDPOINT_PID.matcher((String) pid).matches()) {
                    pids.add((String) pid);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, e.getMessage());
        }
        return pids;
    }

    private static ConnectionStack stack(String pid) throws KuraException {
        return ConnectionStack.of(pid).orElseThrow(() -> new KuraException(KuraErrorCode.INVALID_PARAMETER,
                "'" + pid + "' is not an Azure IoT Hub connection pid (" + CloudComponents.ENDPOINT_PID_REGEX
                        + ")"));
    }

    /** Deletes each, the last one with a snapshot; tries all and returns the first failure. */
    private static KuraException deleteAll(ConfigurationService service, List<String> pids) {
        KuraException first = null;
        for (int i = 0; i < pids.size(); i++) {
            try {
                service.deleteFactoryConfiguration(pids.get(i), i == pids.size() - 1);
            } catch (KuraException | RuntimeException e) {
                LOG.warn("Could not delete component {}: {}", pids.get(i), e.getMessage());
                if (first == null) {
                    first = e instanceof KuraException ? (KuraException) e
                            : new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e, e.getMessage());
                }
            }
        }
        return first;
    }
}
