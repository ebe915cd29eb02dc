package io.azurekura.connector.testsupport.dps;

/** What the emulator saw for one registration id (a snapshot). */
public record RegistrationCounters(long registerRequests, long operationPolls, long statusLookups, long unauthorized,
        long throttled, long pollLimitViolations, long assignments) {

    static final RegistrationCounters NONE = new RegistrationCounters(0, 0, 0, 0, 0, 0, 0);

    /** Every request for this registration, whatever the answer. */
    public long total() {
        return this.registerRequests + this.operationPolls + this.statusLookups;
    }
}
