package io.azurekura.connector.hub.identity;

import java.util.Optional;

import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningEvent;
import io.azurekura.connector.api.dps.ProvisioningListener;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.IdentitySource;
import io.azurekura.connector.api.token.IdentityIds;

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
        return service.assignment().filter(a -> problemWith(a.assignedHub(), a.deviceId()).isEmpty())
                .map(a -> HubIdentity.module(a.assignedHub(), a.deviceId(), this.moduleId, IdentitySource.DPS));
    }

    @Override
    public Optional<String> unavailableReason() {
        DeviceProvisioner service = this.provisioner;
        if (service == null) {
            return Optional.empty();
        }
        return service.assignment().flatMap(a -> problemWith(a.assignedHub(), a.deviceId()))
                .map(p -> "the DPS assignment cannot be used: " + p);
    }

    /** An assignment comes from outside (DPS, a saved file): checked by the same rules as a configured identity. */
    private Optional<String> problemWith(String hub, String deviceId) {
        Optional<String> hubProblem = IdentityIds.hubHostNameProblem(hub).map(p -> "the assigned hub " + p);
        if (hubProblem.isPresent()) {
            return hubProblem;
        }
        Optional<String> deviceProblem = IdentityIds.deviceIdProblem(deviceId).map(p -> "the device id " + p);
        if (deviceProblem.isPresent() || this.moduleId == null) {
            return deviceProblem;
        }
        return IdentityIds.deviceIdProblem(this.moduleId).map(p -> "module.id " + p);
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
