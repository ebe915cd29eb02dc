package io.azurekura.connector.testsupport.hub;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** Starts an emulator on the SDK's fixed ports (8883, 5671), waiting while another test process still holds them. */
final class LoopbackPorts {

    private LoopbackPorts() {
    }

    static IotHubEmulator startHub(IotHubEmulator.Builder builder) {
        AtomicReference<IotHubEmulator> started = new AtomicReference<>();
        await("the SDK's ports to be free").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    started.set(builder.start());
                    return true;
                });
        return started.get();
    }
}
