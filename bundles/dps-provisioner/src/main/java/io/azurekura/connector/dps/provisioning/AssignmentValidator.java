package io.azurekura.connector.dps.provisioning;

import java.util.Optional;

import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.token.IdentityIds;
import io.azurekura.connector.dps.wire.UntrustedText;

/**
 * The one set of rules an assignment must pass before it is used, saved or logged, whether it just came from DPS or
 * was read back from the saved file: it is for this ID scope and registration id, the hub passes the
 * {@link HubHostRule}, the device id passes IoT Hub's id rules ({@link IdentityIds}), and the substatus is a plain
 * word. Problem texts never carry the raw values.
 */
final class AssignmentValidator {

    /** DPS's substatus values are camel-case words ({@code initialAssignment}, {@code deviceDataMigrated}, ...). */
    private static final String SUBSTATUS_PATTERN = "[A-Za-z0-9]{1,64}";

    private final String idScope;
    private final String registrationId;
    private final HubHostRule hubRule;

    AssignmentValidator(String idScope, String registrationId, HubHostRule hubRule) {
        this.idScope = idScope;
        this.registrationId = registrationId;
        this.hubRule = hubRule;
    }

    /** @return why the assignment must not be used, or empty when it may */
    Optional<String> problem(Assignment assignment) {
        if (!assignment.isFor(this.idScope, this.registrationId)) {
            return Optional.of("it is for another registration or ID scope ('"
                    + UntrustedText.escape(assignment.registrationId()) + "' in '"
                    + UntrustedText.escape(assignment.idScope()) + "')");
        }
        return problem(assignment.registrationId(), assignment.assignedHub(), assignment.deviceId(),
                assignment.substatus().orElse(null));
    }

    /**
     * @param reportedRegistrationId the registration id the answer names, or null when it names none
     * @return why these fields must not become an assignment, or empty when they may
     */
    Optional<String> problem(String reportedRegistrationId, String hub, String deviceId, String substatus) {
        if (reportedRegistrationId != null && !reportedRegistrationId.equalsIgnoreCase(this.registrationId)) {
            return Optional.of("it names another registration id ('" + UntrustedText.escape(reportedRegistrationId)
                    + "')");
        }
        Optional<String> hubProblem = this.hubRule.problem(hub);
        if (hubProblem.isPresent()) {
            return hubProblem;
        }
        Optional<String> deviceProblem = IdentityIds.deviceIdProblem(deviceId);
        if (deviceProblem.isPresent()) {
            return Optional.of("the assigned device id " + deviceProblem.get());
        }
        if (substatus != null && !substatus.isEmpty() && !substatus.matches(SUBSTATUS_PATTERN)) {
            return Optional.of("the substatus '" + UntrustedText.escape(substatus) + "' is not a plain word");
        }
        return Optional.empty();
    }
}
