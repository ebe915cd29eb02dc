package io.azurekura.connector.hub.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningEvent;
import io.azurekura.connector.api.dps.ProvisioningListener;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.api.hub.IdentitySource;

class ProvisionedIdentityTest {

    private final FakeProvisioner provisioner = new FakeProvisioner();

    @Test
    void theAssignmentAndTheConfiguredModuleMakeTheIdentity() {
        ProvisionedIdentity identity = new ProvisionedIdentity("edge-module");
        assertThat(identity.current()).isEmpty();

        this.provisioner.assignment = assignment("hub-a.azure-devices.net", "dev-7");
        identity.bind(this.provisioner);

        assertThat(identity.current()).hasValueSatisfying(id -> {
            assertThat(id.hubHost()).isEqualTo("hub-a.azure-devices.net");
            assertThat(id.deviceId()).isEqualTo("dev-7");
            assertThat(id.moduleId()).contains("edge-module");
            assertThat(id.source()).isEqualTo(IdentitySource.DPS);
        });
        assertThat(identity.canReprovision()).isTrue();
    }

    @Test
    void newAssignmentsAreAnnouncedAndRefusalsReported() {
        ProvisionedIdentity identity = new ProvisionedIdentity(null);
        AtomicInteger changes = new AtomicInteger();
        identity.setChangeListener(changes::incrementAndGet);
        identity.bind(this.provisioner);
        int afterBind = changes.get();

        this.provisioner.assignment = assignment("hub-b.azure-devices.net", "dev-7");
        this.provisioner.fire(ProvisioningEvent.Type.ASSIGNED);
        this.provisioner.fire(ProvisioningEvent.Type.FAILED);

        assertThat(changes.get()).isEqualTo(afterBind + 1);
        assertThat(identity.current().get().hubHost()).isEqualTo("hub-b.azure-devices.net");
        assertThat(identity.credentialsRefused("refused 3 fresh tokens")).isTrue();
        assertThat(this.provisioner.refusals).containsExactly("refused 3 fresh tokens");

        identity.unbind(this.provisioner);
        assertThat(identity.current()).isEmpty();
        assertThat(identity.canReprovision()).isFalse();
        assertThat(identity.credentialsRefused("again")).isFalse();
        assertThat(this.provisioner.listeners).isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "hub.azure-devices.net/devices/x|dev-1|the assigned hub",
            "https://hub.azure-devices.net|dev-1|the assigned hub",
            "hub.azure-devices.net:443|dev-1|the assigned hub",
            "hub.azure-devices.net|dev 1|the device id",
            "hub.azure-devices.net|dev\u0007id|the device id",
            "hub.azure-devices.net|dev/../other|the device id" })
    void anAssignmentThatBreaksTheRulesIsNotUsedAndSaysWhyWithoutQuotingIt(String hub, String device,
            String what) {
        ProvisionedIdentity identity = new ProvisionedIdentity(null);
        this.provisioner.assignment = assignment(hub, device);
        identity.bind(this.provisioner);

        assertThat(identity.current()).isEmpty();
        assertThat(identity.unavailableReason()).hasValueSatisfying(reason -> {
            assertThat(reason).startsWith("the DPS assignment cannot be used: " + what);
            assertThat(reason).doesNotContain(hub).doesNotContain(device);
        });
    }

    @Test
    void aValidAssignmentHasNoUnavailableReason() {
        ProvisionedIdentity identity = new ProvisionedIdentity("mod-1");
        this.provisioner.assignment = assignment("hub.azure-devices.net", "dev-1");
        identity.bind(this.provisioner);

        assertThat(identity.current()).isPresent();
        assertThat(identity.unavailableReason()).isEmpty();
    }

    private static Assignment assignment(String hub, String device) {
        return new Assignment("0ne00000001", "reg-7", hub, device, "initialAssignment", null, Instant.now());
    }

    private static final class FakeProvisioner implements DeviceProvisioner {
        volatile Assignment assignment;
        final List<ProvisioningListener> listeners = new CopyOnWriteArrayList<>();
        final List<String> refusals = new CopyOnWriteArrayList<>();

        void fire(ProvisioningEvent.Type type) {
            ProvisioningEvent event = new ProvisioningEvent(type, status(), null);
            this.listeners.forEach(l -> l.onProvisioningEvent(event));
        }

        @Override
        public ProvisioningStatus status() {
            return new ProvisioningStatus(this.assignment == null ? ProvisioningState.UNPROVISIONED
                    : ProvisioningState.ASSIGNED, this.assignment, false, null, null, null, null, null, 0, null, null);
        }

        @Override
        public Optional<Assignment> assignment() {
            return Optional.ofNullable(this.assignment);
        }

        @Override
        public boolean awaitAssignment(Duration timeout) {
            return this.assignment != null;
        }

        @Override
        public void reprovision(String reason) {
            // not used by the hub connection
        }

        @Override
        public boolean hubAuthenticationFailed(String reason) {
            this.refusals.add(reason);
            return true;
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
}
