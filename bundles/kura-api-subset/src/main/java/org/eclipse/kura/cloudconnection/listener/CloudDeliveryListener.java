package org.eclipse.kura.cloudconnection.listener;

import org.osgi.annotation.versioning.ConsumerType;

/** Signature-compatible declaration of Kura's CloudDeliveryListener. */
@ConsumerType
public interface CloudDeliveryListener {

    void onMessageConfirmed(String messageId);
}
