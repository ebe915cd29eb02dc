/**
 * Messaging with Azure IoT Hub for other bundles: send telemetry through a {@link HubConnection} service and learn
 * when the hub acknowledged it; receive cloud-to-device messages by registering a {@link CloudToDeviceListener}
 * service (whiteboard); follow connection state through {@link HubConnection#status()} or a
 * {@link ConnectionListener}. One HubConnection service exists per configured identity (device or module).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.azurekura.connector.api.hub;
