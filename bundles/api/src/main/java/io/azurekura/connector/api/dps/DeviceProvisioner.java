package io.azurekura.connector.api.dps;

import java.time.Duration;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Provisions one identity through Azure DPS and offers the result to hub connections. Registers only when needed: a
 * saved assignment is reused across restarts without any DPS call. Registered as an OSGi service with the
 * instance's {@code kura.service.pid}, so a hub connection selects its provisioner with a target filter.
 */
@ProviderType
public interface DeviceProvisioner {

    ProvisioningStatus status();

    /** The current assignment, if one is held. */
    Optional<Assignment> assignment();

    /**
     * Waits up to {@code timeout} for an assignment.
     *
     * @return true if one is held when this returns
     */
    boolean awaitAssignment(Duration timeout) throws InterruptedException;

    /**
     * Discards the held assignment (and its saved copy) and registers again. For an operator's explicit request;
     * returns at once, the registration runs on the provisioner's thread. Ignored while a registration is running.
     */
    void reprovision(String reason);

    /**
     * Tells the provisioner that the assigned hub refused this identity (MQTT CONNACK 5, HTTP 401/403/404, AMQP
     * unauthorized) although the token was freshly renewed, so the device may have been moved to another hub. The
     * provisioner reprovisions if its policy allows it and its minimum interval between such reprovisionings has
     * passed. Never call it for network errors, timeouts or throttling: those are no reason to re-register (DPS
     * registrations are billed and rate-limited; Microsoft's guidance: go back to DPS only on 401/403/404).
     *
     * @return true if a reprovisioning was started
     */
    boolean hubAuthenticationFailed(String reason);

    void addListener(ProvisioningListener listener);

    void removeListener(ProvisioningListener listener);
}
