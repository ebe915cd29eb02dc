package io.azurekura.connector.cloud.demo;

import java.time.Instant;
import java.util.Date;

import org.eclipse.kura.message.KuraPayload;

/** The simulated readings: deterministic in the sequence number, so they are easy to recognise in IoT Hub. */
final class DemoReadings {

    static final String COUNTER = "counter";
    static final String TEMPERATURE = "temperature";
    static final String ONLINE = "online";
    static final String SOURCE = "source";

    private final String source;
    private final double averageTemperature;

    DemoReadings(String source, double averageTemperature) {
        this.source = source;
        this.averageTemperature = averageTemperature;
    }

    KuraPayload reading(long sequence, Instant at) {
        KuraPayload payload = new KuraPayload();
        payload.setTimestamp(Date.from(at));
        payload.addMetric(COUNTER, sequence);
        // A slow sine around the average, rounded to 0.01: about one period per 60 readings
        double temperature = this.averageTemperature + 3.0 * Math.sin(sequence * Math.PI / 30.0);
        payload.addMetric(TEMPERATURE, Math.round(temperature * 100.0) / 100.0);
        payload.addMetric(ONLINE, Boolean.TRUE);
        payload.addMetric(SOURCE, this.source);
        return payload;
    }
}
