package org.eclipse.kura;

import java.util.Arrays;

import org.osgi.annotation.versioning.ProviderType;

/** Signature-compatible declaration of Kura's checked exception. */
@ProviderType
public class KuraException extends Exception {

    private static final long serialVersionUID = 1L;

    protected final KuraErrorCode code;
    private final transient Object[] arguments;

    public KuraException(KuraErrorCode code) {
        this(code, null, (Object[]) null);
    }

    public KuraException(KuraErrorCode code, Object... arguments) {
        this(code, null, arguments);
    }

    public KuraException(KuraErrorCode code, Throwable cause, Object... arguments) {
        super(cause);
        this.code = code;
        this.arguments = arguments;
    }

    public static KuraException internalError(String message) {
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, null, message);
    }

    public static KuraException internalError(Throwable cause) {
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, cause, (Object[]) null);
    }

    public static KuraException internalError(Throwable cause, String message) {
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, cause, message);
    }

    public KuraErrorCode getCode() {
        return this.code;
    }

    @Override
    public String getMessage() {
        return this.code + (this.arguments == null ? "" : " " + Arrays.toString(this.arguments));
    }
}
