package io.azurekura.connector.api.dps;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when an assignment becomes available, is discarded, or a registration fails. Called on the provisioner's own
 * thread: return quickly and never block (hand work to your own executor).
 */
@ConsumerType
@FunctionalInterface
public interface ProvisioningListener {

    void onProvisioningEvent(ProvisioningEvent event);
}
