package io.azurekura.connector.dps.provisioning;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Waits on the provisioning thread (Retry-After, backoff, poll pacing). An interface so tests can move virtual
 * time instead of sleeping; the real one is interruptible, which is how closing the provisioner stops a wait.
 */
@FunctionalInterface
public interface Sleeper {

    void sleep(Duration duration) throws InterruptedException;

    Sleeper SYSTEM = duration -> TimeUnit.NANOSECONDS.sleep(Math.max(0, duration.toNanos()));
}
