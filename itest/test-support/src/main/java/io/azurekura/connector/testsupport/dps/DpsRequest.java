package io.azurekura.connector.testsupport.dps;

import java.time.Instant;

import io.azurekura.connector.testsupport.sas.SasVerifier;

/**
 * One request as the emulator received it, for assertions on the wire format. {@code authorization} is kept so
 * tests can inspect the token's fields; the emulator never logs it.
 *
 * @param endpoint null when the path matched none of the DPS operations
 * @param tokenVerdict null when no SAS check was made (missing header, fault answered first)
 */
public record DpsRequest(Instant at, String method, String path, DpsEndpoint endpoint, String idScope,
        String registrationId, String apiVersion, String userAgent, String contentType, String accept,
        String authorization, String body, int responseStatus, SasVerifier.Verdict tokenVerdict) {

    @Override
    public String toString() {
        return this.method + " " + this.path + " -> " + this.responseStatus
                + (this.tokenVerdict == null ? "" : " (token " + this.tokenVerdict + ")");
    }
}
