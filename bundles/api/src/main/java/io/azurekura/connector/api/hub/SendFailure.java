package io.azurekura.connector.api.hub;

/** Why a message was not acknowledged. */
public enum SendFailure {
    /** The bounded outbound queue was full when the message was submitted; nothing was queued. */
    QUEUE_FULL,
    /** The message is not acceptable (reserved property name, too large); retrying cannot help. */
    INVALID_MESSAGE,
    /** IoT Hub refused the message (e.g. quota exceeded, bad format); the status says which. */
    REJECTED,
    /** Not acknowledged within the configured message timeout (the connection was down or too slow). */
    TIMED_OUT,
    /** The connection's configuration cannot work (see {@link ConnectionStatus#configurationProblems()}). */
    MISCONFIGURED,
    /** The connection was closed (component deactivated or reconfigured) before the message was acknowledged. */
    CLOSED
}
