package io.azurekura.connector.hub.client;

/**
 * What a client tells IoT Hub about one cloud-to-device message, decided after the listeners ran. How each maps to
 * the wire depends on the transport (docs/hub-delivery.md): MQTT has one acknowledgement only (PUBACK).
 */
public enum CloudToDeviceDisposition {
    /** Every listener took it: acknowledge (AMQP accept / MQTT PUBACK). */
    TAKEN,
    /**
     * A listener failed or did not return in time: leave it with the hub for another delivery (AMQP abandon; MQTT
     * no PUBACK, so the hub sends it again after the next reconnect).
     */
    RETURN,
    /**
     * Listeners failed on every allowed delivery: stop the redeliveries (AMQP reject, the hub dead-letters it; MQTT
     * PUBACK, its only acknowledgement).
     */
    GIVE_UP
}
