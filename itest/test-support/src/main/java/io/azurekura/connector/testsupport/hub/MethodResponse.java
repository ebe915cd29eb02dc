package io.azurekura.connector.testsupport.hub;

/**
 * A device's answer to a direct method, published on {@code $iothub/methods/res/{status}/?$rid=...}.
 *
 * @param status the status the device chose
 * @param payload the response body as UTF-8 text (JSON by convention), empty when none
 */
public record MethodResponse(int status, String payload) {
}
