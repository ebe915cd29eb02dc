package io.azurekura.connector.testsupport.sts;

/**
 * The {@code skn} written into DPS registration tokens. DPS docs use {@code skn=registration}; the Java DPS client
 * writes an empty {@code skn=}; some signers write none. A token server may do any of these, so clients must cope.
 */
public enum DpsKeyName {
    /** {@code &skn=registration}. */
    REGISTRATION(StsProtocol.DPS_KEY_NAME),
    /** {@code &skn=} with nothing after it. */
    EMPTY(""),
    /** No {@code skn} field at all. */
    NONE(null);

    private final String value;

    DpsKeyName(String value) {
        this.value = value;
    }

    /** The value for {@code SasSigner.sign}: null means no field, "" an empty one. */
    public String value() {
        return this.value;
    }
}
