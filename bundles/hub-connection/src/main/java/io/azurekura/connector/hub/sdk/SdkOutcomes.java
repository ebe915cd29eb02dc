package io.azurekura.connector.hub.sdk;

import com.microsoft.azure.sdk.iot.device.IotHubConnectionStatusChangeReason;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.transport.IotHubConnectionStatus;
import com.microsoft.azure.sdk.iot.device.transport.TransportException;
import com.microsoft.azure.sdk.iot.device.transport.amqps.exceptions.AmqpUnauthorizedAccessException;
import com.microsoft.azure.sdk.iot.device.transport.https.exceptions.UnauthorizedException;
import com.microsoft.azure.sdk.iot.device.transport.mqtt.exceptions.MqttBadUsernameOrPasswordException;
import com.microsoft.azure.sdk.iot.device.transport.mqtt.exceptions.MqttUnauthorizedException;

import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.common.redact.Redactor;
import io.azurekura.connector.hub.client.ClientStatus;
import io.azurekura.connector.hub.client.SendResult;

/**
 * How the Azure device SDK 2.5.0 reports things, translated once (docs/azure-sdk.md "SasTokenProvider",
 * "Retry and connection status").
 */
final class SdkOutcomes {

    /** IoT Hub's device-to-cloud message size limit: 256 KiB, body and properties together. */
    static final int MAX_MESSAGE_BYTES = 256 * 1024;

    private SdkOutcomes() {
    }

    static ClientStatus status(IotHubConnectionStatus status) {
        switch (status) {
        case CONNECTED:
            return ClientStatus.CONNECTED;
        case DISCONNECTED_RETRYING:
            return ClientStatus.DISCONNECTED_RETRYING;
        default:
            return ClientStatus.DISCONNECTED;
        }
    }

    /**
     * The SDK's reason, except for one quirk: MQTT CONNACK 4 ("bad user name or password") reaches us as a terminal
     * COMMUNICATION_ERROR (IotHubTransport.exceptionToStatusChangeReason only maps CONNACK 5 to BAD_CREDENTIAL), but
     * it is a credential refusal and must invalidate the token like one.
     */
    static ConnectionReason reason(IotHubConnectionStatusChangeReason reason, Throwable cause) {
        if (isCredentialRefusal(cause)) {
            return ConnectionReason.BAD_CREDENTIAL;
        }
        if (reason == null) {
            return ConnectionReason.COMMUNICATION_ERROR;
        }
        switch (reason) {
        case EXPIRED_SAS_TOKEN:
            return ConnectionReason.EXPIRED_SAS_TOKEN;
        case BAD_CREDENTIAL:
            return ConnectionReason.BAD_CREDENTIAL;
        case RETRY_EXPIRED:
            return ConnectionReason.RETRY_EXPIRED;
        case NO_NETWORK:
            return ConnectionReason.NO_NETWORK;
        case CONNECTION_OK:
            return ConnectionReason.CONNECTION_OK;
        case CLIENT_CLOSE:
            return ConnectionReason.CLIENT_CLOSE;
        default:
            return ConnectionReason.COMMUNICATION_ERROR;
        }
    }

    /** Classifies a failed {@code open(false)}, which throws at once instead of retrying. */
    static ConnectionReason openFailure(IotHubClientException e) {
        if (e.getStatusCode() == IotHubStatusCode.UNAUTHORIZED || isCredentialRefusal(e)) {
            return ConnectionReason.BAD_CREDENTIAL;
        }
        return e.isRetryable() ? ConnectionReason.NO_NETWORK : ConnectionReason.COMMUNICATION_ERROR;
    }

    /**
     * Classifies why a device could not join a multiplexed connection: a put-token answered 401 arrives as the
     * HTTPS-named UnauthorizedException (IotHubStatusCode.getConnectionStatusException) or, for links, as
     * AmqpUnauthorizedAccessException; a failed connection as a (retryable or not) transport or client exception.
     */
    static ConnectionReason registrationFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnauthorizedException || t instanceof AmqpUnauthorizedAccessException
                    || t instanceof IotHubClientException e && e.getStatusCode() == IotHubStatusCode.UNAUTHORIZED) {
                return ConnectionReason.BAD_CREDENTIAL;
            }
        }
        if (error instanceof TransportException e) {
            return e.isRetryable() ? ConnectionReason.NO_NETWORK : ConnectionReason.COMMUNICATION_ERROR;
        }
        if (error instanceof IotHubClientException e) {
            return e.isRetryable() ? ConnectionReason.NO_NETWORK : ConnectionReason.COMMUNICATION_ERROR;
        }
        return ConnectionReason.COMMUNICATION_ERROR;
    }

    static boolean isCredentialRefusal(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MqttUnauthorizedException || t instanceof MqttBadUsernameOrPasswordException) {
                return true;
            }
        }
        return false;
    }

    static SendResult sendResult(IotHubClientException error) {
        if (error == null) {
            return SendResult.ACKNOWLEDGED;
        }
        IotHubStatusCode code = error.getStatusCode();
        if (code == null) {
            return new SendResult(SendResult.Kind.RETRYABLE, "UNKNOWN");
        }
        switch (code) {
        case OK:
            return SendResult.ACKNOWLEDGED;
        case MESSAGE_CANCELLED_ONCLOSE:
            return new SendResult(SendResult.Kind.CANCELLED, code.name());
        case BAD_FORMAT:
        case NOT_FOUND:
        case PRECONDITION_FAILED:
        case REQUEST_ENTITY_TOO_LARGE:
        case QUOTA_EXCEEDED:
            return new SendResult(SendResult.Kind.REJECTED, code.name());
        default:
            // THROTTLED, SERVER_BUSY, INTERNAL_SERVER_ERROR, IO_ERROR, ERROR, DEVICE_OPERATION_TIMED_OUT,
            // MESSAGE_EXPIRED, UNAUTHORIZED: the connection (or the hub) was the problem, not the message.
            return new SendResult(SendResult.Kind.RETRYABLE, code.name());
        }
    }

    /** A one-line description of an SDK error for status and logs, without token material. */
    static String describe(Throwable error) {
        if (error == null) {
            return null;
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = error.getClass().getSimpleName() + ": " + error.getMessage();
        if (root != error) {
            text += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        return Redactor.excerpt(text);
    }
}
