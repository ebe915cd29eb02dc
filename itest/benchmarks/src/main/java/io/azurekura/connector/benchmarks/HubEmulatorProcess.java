package io.azurekura.connector.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.azurekura.connector.testsupport.hub.HubCounters;
import io.azurekura.connector.testsupport.hub.IotHubEmulator;

/**
 * The IoT Hub emulator in a process of its own, so that the benchmark's heap and thread figures are the gateway's
 * alone. Registers {@code bench-0000 ...} with one key, then answers one-line commands on stdin: {@code stats},
 * {@code quit}.
 */
public final class HubEmulatorProcess {

    static final String READY = "READY";
    static final String STATS = "STATS";

    private HubEmulatorProcess() {
    }

    static String deviceId(int i) {
        return String.format(Locale.ROOT, "bench-%04d", i);
    }

    /** @param args identities, base64 key; prints {@code READY <CA PEM file>} once listening */
    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        int identities = Integer.parseInt(args[0]);
        String key = args[1];
        IotHubEmulator hub = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (hub == null) {
            try {
                hub = IotHubEmulator.builder().start();
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500); // another process still holds 8883/5671
            }
        }
        try {
            for (int i = 0; i < identities; i++) {
                hub.addDevice(deviceId(i), key);
            }
            // The emulator presents a certificate of this process's throw-away CA; the gateway trusts it from a file.
            java.nio.file.Path ca = java.nio.file.Files.createTempFile("bench-hub-ca", ".pem");
            ca.toFile().deleteOnExit();
            java.nio.file.Files.writeString(ca, io.azurekura.connector.testsupport.pki.TestPki.shared()
                    .caCertificatePem());
            System.out.println(READY + " " + ca);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String command;
            while ((command = in.readLine()) != null && !command.equals("quit")) {
                if (command.equals("stats")) {
                    HubCounters c = hub.counters();
                    System.out.println(String.format(Locale.ROOT, "%s openAmqp=%d amqpConnections=%d connects=%d "
                            + "putTokens=%d renewals=%d expiryDrops=%d authFailures=%d messages=%d connected=%d",
                            STATS, hub.openAmqpConnections(), c.amqpConnections(), c.connects(), c.putTokens(),
                            c.renewals(), c.expiryDrops(), c.authFailures(), c.messagesReceived(),
                            hub.connectedClientIds().size()));
                    System.out.flush();
                }
            }
        } finally {
            hub.close();
        }
    }
}
