package io.azurekura.connector.hub.sdk;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.microsoft.azure.sdk.iot.device.MultiplexingClient;

import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientFactory;
import io.azurekura.connector.hub.client.HubClientListener;

/**
 * Clients that share AMQP connections: every device identity of one hub (host name, compared case-insensitively as
 * the SDK does) joins one {@link MultiplexingClient}, up to the SDK's limit of 1000 devices over AMQPS (500 over
 * AMQPS_WS); a full connection makes the next identity open another one, so N identities use ceil(N / 1000)
 * connections. Each identity keeps its own {@code SasTokenProvider} (backed by its own cached token), so the SDK
 * renews each one in place with its own CBS put-token schedule (docs/azure-sdk.md "MultiplexingClient").
 * <p>
 * Identities come and go at any time: the SDK 2.5.0 registers devices on an open multiplexed connection and
 * unregisters them without disturbing the others ({@code MultiplexingClient.registerDeviceClients}: "may be called
 * before or after opening"). Registrations arriving together are made in one call, because each call waits for its
 * devices in 100 ms polling steps (IotHubTransport.registerMultiplexedDeviceClient). A connection is opened with its
 * first identities and closed when its last one leaves.
 * <p>
 * Modules cannot be multiplexed (the SDK refuses ModuleClient) and MQTT cannot either: those get an ordinary client.
 */
public final class MultiplexedClientFactory implements HubClientFactory {

    /** The gateway's factory: every multiplexed identity of this bundle shares its connections. */
    public static final MultiplexedClientFactory GATEWAY = new MultiplexedClientFactory();

    private final AzureSdkClientFactory single = new AzureSdkClientFactory();

    /** Hub key to its connections, the newest last. */
    private final Map<String, List<MultiplexedConnection>> connections = new HashMap<>();

    /** A factory with connections of its own (the component uses {@link #GATEWAY}; tests and tools their own). */
    public MultiplexedClientFactory() {
    }

    /** True when the identity and transport can share a connection. */
    public static boolean multiplexes(ClientSpec spec) {
        return (spec.transport() == Transport.AMQPS || spec.transport() == Transport.AMQPS_WS)
                && spec.identity().moduleId().isEmpty();
    }

    @Override
    public HubClient create(ClientSpec spec, HubClientListener listener) {
        return multiplexes(spec) ? new MultiplexedHubClient(this, spec, listener) : this.single.create(spec, listener);
    }

    @Override
    public Optional<String> problemWith(TelemetryMessage message) {
        return this.single.problemWith(message);
    }

    /** Multiplexed AMQP connections open (or opening) right now. */
    public synchronized int connectionCount() {
        return this.connections.values().stream().mapToInt(List::size).sum();
    }

    /** Identities holding a place on a multiplexed connection right now. */
    public synchronized int memberCount() {
        return this.connections.values().stream().flatMap(List::stream).mapToInt(MultiplexedConnection::members)
                .sum();
    }

    /** A place on a live connection to the identity's hub with room left, opening a new connection when none has. */
    synchronized MultiplexedConnection join(ClientSpec spec) {
        List<MultiplexedConnection> hub = this.connections.computeIfAbsent(hubKey(spec), k -> new ArrayList<>());
        for (MultiplexedConnection connection : hub) {
            if (connection.tryJoin()) {
                return connection;
            }
        }
        int capacity = spec.transport() == Transport.AMQPS_WS ? MultiplexingClient.MAX_MULTIPLEX_DEVICE_COUNT_AMQPS_WS
                : MultiplexingClient.MAX_MULTIPLEX_DEVICE_COUNT_AMQPS;
        MultiplexedConnection connection = new MultiplexedConnection(this, spec, capacity);
        connection.tryJoin();
        hub.add(connection);
        return connection;
    }

    /** A member left (or never made it); the connection closes with its last member. */
    void leave(MultiplexedConnection connection) {
        boolean last;
        synchronized (this) {
            last = connection.leave();
            if (last) {
                forget(connection);
            }
        }
        if (last) {
            connection.close();
        }
    }

    /** The connection failed for good: nobody new joins it; its members leave as their clients close. */
    synchronized void discard(MultiplexedConnection connection) {
        forget(connection);
    }

    /** Caller holds the lock. */
    private void forget(MultiplexedConnection connection) {
        List<MultiplexedConnection> hub = this.connections.get(connection.hubKey());
        if (hub != null && hub.remove(connection) && hub.isEmpty()) {
            this.connections.remove(connection.hubKey());
        }
    }

    static String hubKey(ClientSpec spec) {
        return spec.identity().hubHost().toLowerCase(Locale.ROOT) + "|" + spec.transport();
    }
}
