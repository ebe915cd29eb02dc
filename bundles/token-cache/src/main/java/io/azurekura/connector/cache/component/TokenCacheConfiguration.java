package io.azurekura.connector.cache.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = TokenCacheComponent.PID, name = "Azure IoT token cache",
        description = "Keeps a SAS token for every IoT Hub identity and DPS registration in memory and renews it "
                + "from the token server before it expires. One instance serves the whole gateway.")
@interface TokenCacheConfiguration {

    @AttributeDefinition(name = "Renew at fraction of lifetime", min = "0.1", max = "0.95",
            description = "Renew when this fraction of the token's lifetime (expiry minus the time it was received)"
                    + " has passed. 0.8 renews a one-hour token after 48 minutes.")
    double renewal_fraction() default 0.8;

    @AttributeDefinition(name = "Renewal jitter", min = "0", max = "0.5",
            description = "Renew up to this fraction of the lifetime earlier, at random, so that many identities "
                    + "do not renew at the same moment. Jitter only ever makes renewal earlier.")
    double renewal_jitter() default 0.05;

    @AttributeDefinition(name = "Safety margin (s)", min = "0",
            description = "Renewal always starts at least this many seconds before expiry (scaled down for tokens "
                    + "whose lifetime is too short for it).")
    int renewal_safety_margin_seconds() default 300;

    @AttributeDefinition(name = "First retry delay (ms)", min = "100",
            description = "After a failed fetch, wait at least this long before retrying. Waits grow "
                    + "exponentially with random jitter up to the maximum retry delay.")
    int retry_initial_ms() default 2000;

    @AttributeDefinition(name = "Maximum retry delay (ms)", min = "1000",
            description = "Upper bound of the wait between retries while the token server fails. Retries go on "
                    + "at this pace, also after the token expired, until the token server answers again.")
    int retry_max_ms() default 60000;

    @AttributeDefinition(name = "Minimum time between forced renewals (s)", min = "0",
            description = "When IoT Hub refuses a token (bad credential) a new one is fetched at once, but not more "
                    + "often than this per identity, so a flapping connection cannot flood the token server.")
    int invalidate_min_interval_seconds() default 30;

    @AttributeDefinition(name = "Minimum time between two fetches (s)", min = "1", max = "3600",
            description = "A planned renewal of one identity never starts sooner than this after its previous "
                    + "fetch, however short-lived the tokens are, so a token server issuing tokens of a few seconds "
                    + "cannot turn renewal into polling. Forced renewals follow their own minimum time, retries "
                    + "after failures the retry delays.")
    int fetch_min_interval_seconds() default 5;

    @AttributeDefinition(name = "Concurrent token server requests", min = "1", max = "64",
            description = "How many token requests may be in flight at once across all identities.")
    int sts_max_concurrency() default 4;

    @AttributeDefinition(name = "Token server service filter",
            description = "OSGi filter selecting the token server client to use.")
    String TokenSource_target() default "(kura.service.pid=io.azurekura.connector.sts.StsClient)";
}
