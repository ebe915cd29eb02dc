package io.azurekura.connector.hub.identity;

import java.util.Optional;

import io.azurekura.connector.api.hub.HubIdentity;

/** Where the identity comes from: fixed configuration, or a DPS provisioner's assignment. */
public interface IdentityResolver {

    /** The identity to connect as, if one is known now. Must not block. */
    Optional<HubIdentity> current();

    /** Why there is no identity now, when the reason is more than "not assigned yet" (e.g. an unusable one). */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /** True when the identity comes from DPS, so reprovisioning can fix refused credentials. */
    boolean canReprovision();

    /**
     * Fresh tokens kept being refused by the hub. Never called for network errors.
     *
     * @return true if a reprovisioning was started
     */
    boolean credentialsRefused(String reason);

    /** Called (from any thread) whenever {@link #current()} may have changed. */
    void setChangeListener(Runnable listener);

    /** A fixed identity. */
    static IdentityResolver fixed(HubIdentity identity) {
        return new IdentityResolver() {
            @Override
            public Optional<HubIdentity> current() {
                return Optional.of(identity);
            }

            @Override
            public boolean canReprovision() {
                return false;
            }

            @Override
            public boolean credentialsRefused(String reason) {
                return false;
            }

            @Override
            public void setChangeListener(Runnable listener) {
                // never changes
            }
        };
    }
}
