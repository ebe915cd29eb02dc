package org.eclipse.kura;

import org.osgi.annotation.versioning.ProviderType;

/** Signature-compatible declaration of Kura's disconnect failure (error code DISCONNECTION_FAILED). */
@ProviderType
public class KuraDisconnectException extends KuraException {

    private static final long serialVersionUID = 1L;

    public KuraDisconnectException(Object argument) {
        super(KuraErrorCode.DISCONNECTION_FAILED, null, argument);
    }

    public KuraDisconnectException(Throwable cause, Object argument) {
        super(KuraErrorCode.DISCONNECTION_FAILED, cause, argument);
    }
}
