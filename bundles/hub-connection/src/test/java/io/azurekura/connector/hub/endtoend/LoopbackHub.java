package io.azurekura.connector.hub.endtoend;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.azurekura.connector.testsupport.hub.IotHubEmulator;

/** Starts the IoT Hub emulator on 8883 and 5671 (the SDK's fixed MQTT and AMQPS ports). */
public final class LoopbackHub {

    private LoopbackHub() {
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
