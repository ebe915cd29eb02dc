package org.eclipse.kura.cloudconnection.subscriber.listener;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.osgi.annotation.versioning.ConsumerType;

/** Signature-compatible declaration of Kura's CloudSubscriberListener. */
@ConsumerType
@FunctionalInterface
public interface CloudSubscriberListener {

    void onMessageArrived(KuraMessage message);
}
