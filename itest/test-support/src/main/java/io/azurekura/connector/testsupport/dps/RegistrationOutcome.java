package io.azurekura.connector.testsupport.dps;

/** How the emulator finishes the registrations of one device (set with {@link DpsEmulator#setOutcome}). */
public final class RegistrationOutcome {

    /** The final operation status. */
    public enum Kind {
        /** {@code assigned} to the enrollment's hub, after the configured number of {@code assigning} polls. */
        ASSIGNED,
        /** {@code failed} with an error code and message in {@code registrationState}. */
        FAILED,
        /** {@code disabled}: the enrollment is disabled. */
        DISABLED,
        /** {@code assigning} on every poll, never finishing. */
        ASSIGNING_FOREVER
    }

    final Kind kind;
    final int errorCode;
    final String errorMessage;

    private RegistrationOutcome(Kind kind, int errorCode, String errorMessage) {
        this.kind = kind;
        this.errorCode = errorCode;
        this.errorMessage = errorMessage;
    }

    public static RegistrationOutcome assigned() {
        return new RegistrationOutcome(Kind.ASSIGNED, 0, null);
    }

    /** E.g. {@code failed(400209, "The IoT hub is not reachable")} as DPS reports an allocation failure. */
    public static RegistrationOutcome failed(int errorCode, String errorMessage) {
        return new RegistrationOutcome(Kind.FAILED, errorCode, errorMessage);
    }

    public static RegistrationOutcome disabled() {
        return new RegistrationOutcome(Kind.DISABLED, 401008, "The enrollment is disabled.");
    }

    public static RegistrationOutcome assigningForever() {
        return new RegistrationOutcome(Kind.ASSIGNING_FOREVER, 0, null);
    }

    public Kind kind() {
        return this.kind;
    }
}
