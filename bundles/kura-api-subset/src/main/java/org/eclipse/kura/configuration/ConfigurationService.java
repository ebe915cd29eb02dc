package org.eclipse.kura.configuration;

import java.util.Map;
import java.util.Set;

import org.eclipse.kura.KuraException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Signature-compatible declaration of the part of Kura's ConfigurationService the connector calls (the cloud
 * connection factory creating and deleting the components of a connection).
 */
@ProviderType
public interface ConfigurationService {

    String KURA_SERVICE_PID = "kura.service.pid";

    Set<String> getFactoryComponentPids();

    void createFactoryConfiguration(String factoryPid, String pid, Map<String, Object> properties,
            boolean takeSnapshot) throws KuraException;

    void deleteFactoryConfiguration(String pid, boolean takeSnapshot) throws KuraException;

    Set<String> getConfigurableComponentPids();
}
