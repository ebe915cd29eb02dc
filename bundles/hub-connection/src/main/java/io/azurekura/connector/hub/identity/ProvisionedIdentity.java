package io.azurekura.connector.hub.identity;

import java.util.Optional;

import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningEvent;
import io.azurekura.connector.api.dps.ProvisioningListener;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;

/**
 * The identity a DPS provisioner assigned (hub and device id), plus the configured module id, if any. The
 * provisioner service may come and go (optional dynamic reference); without one there is no identity, and a
 * connection already open keeps running until a new assignment arrives.
 */
public final class ProvisionedIdentity implements IdentityResolver {

    private final String moduleId;
    private final ProvisioningListener provisioningListener = this::onProvisioningEvent;
    private volatile DeviceProvisioner provisioner;
    private volatile Runnable changeListener = () -> {
    };

    /** @param moduleId null or blank for a device identity */
    public ProvisionedIdentity(String moduleId) {
        this.moduleId = moduleId == null || moduleId.isBlank() ? null : moduleId.trim();
    }

    public void bind(DeviceProvisioner service) {
        service.addListener(this.provisioningListener);
        this.provisioner = service;
        this.changeListener.run();
    }

    public void unbind(DeviceProvisioner service) {
        service.removeListener(this.provisioningListener);
        if (this.provisioner == service) {
            this.provisioner = null;
        }
        this.changeListener.run();
    }

    @Override
    public Optional<HubIdentity> current() {
        DeviceProvisioner service = this.provisioner;
        if (service == null) {
            return Optional.empty();
        }
        return service.assignment().map(a -> HubIdentity.module(a.assignedHub(), a.deviceId(), this.moduleId,
                IdentitySource.DPS));
    }

    @Override
    public boolean canReprovision() {
        return this.provisioner != null;
    }

    @Override
    public boolean credentialsRefused(String reason) {
        DeviceProvisioner service = this.provisioner;
        return service != null && service.hubAuthenticationFailed(reason);
    }

    @Override
    public void setChangeListener(Runnable listener) {
        this.changeListener = listener == null ? () -> {
        } : listener;
    }

    private void onProvisioningEvent(ProvisioningEvent event) {
        if (event.type() == ProvisioningEvent.Type.ASSIGNED) {
            this.changeListener.run();
        }
    }
}
