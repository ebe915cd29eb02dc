package io.azurekura.connector.hub.endtoend;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.azurekura.connector.testsupport.hub.IotHubEmulator;

/**
 * The IoT Hub emulator on 8883 and 5671 (the SDK's fixed MQTT and AMQPS ports), one per test class:
 * {@code @RegisterExtension static final LoopbackHub HUB = new LoopbackHub(Duration.ZERO);}, then
 * {@code HUB.emulator()}. Tests that need a hub of their own call {@link #start(Duration)}.
 */
public final class LoopbackHub implements BeforeAllCallback, AfterAllCallback {

    private final Duration expiryGrace;
    private volatile IotHubEmulator emulator;

    public LoopbackHub(Duration expiryGrace) {
        this.expiryGrace = expiryGrace;
    }

    public IotHubEmulator emulator() {
        IotHubEmulator started = this.emulator;
        if (started == null) {
            throw new IllegalStateException("the loopback hub is started before the test class's tests only");
        }
        return started;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        this.emulator = start(this.expiryGrace);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        IotHubEmulator started = this.emulator;
        this.emulator = null;
        if (started != null) {
            started.close();
        }
    }

    /** Another module's test may hold the ports for a while when builds run side by side: retry until they are free. */
    public static IotHubEmulator start(Duration expiryGrace) {
        AtomicReference<IotHubEmulator> started = new AtomicReference<>();
        await("ports 8883 and 5671 to be free").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    started.set(IotHubEmulator.builder().expiryGrace(expiryGrace).start());
                    return true;
                });
        return started.get();
    }
}
