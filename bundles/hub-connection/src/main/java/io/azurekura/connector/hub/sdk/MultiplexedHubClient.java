package io.azurekura.connector.hub.sdk;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.microsoft.azure.sdk.iot.device.ConnectionStatusChangeContext;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.Message;

import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.ClientStatus;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientException;
import io.azurekura.connector.hub.client.HubClientListener;
import io.azurekura.connector.hub.client.SendResult;

/**
 * One device identity on a shared AMQP connection: its own SDK DeviceClient (own SasTokenProvider, own CBS renewal
 * schedule, own status callbacks) registered with the hub's {@link MultiplexedConnection}. Opening registers it,
 * closing unregisters it; the connection and the other identities on it are not affected either way.
 */
final class MultiplexedHubClient implements HubClient {

    private final MultiplexedClientFactory factory;
    private final ClientSpec spec;
    private final HubIdentity identity;
    private final HubClientListener listener;
    private final DeviceClient device;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong sendIds = new AtomicLong();
    /** Sends not yet answered; cancelled at close, as the single client's SDK close does. */
    private final Map<Long, PendingSend> inFlight = new ConcurrentHashMap<>();
    private volatile MultiplexedConnection connection;

    private record PendingSend(AtomicBoolean reported, Consumer<SendResult> onResult) {

        void report(SendResult result) {
            if (this.reported.compareAndSet(false, true)) {
                this.onResult.accept(result);
            }
        }
    }

    MultiplexedHubClient(MultiplexedClientFactory factory, ClientSpec spec, HubClientListener listener) {
        this.factory = factory;
        this.spec = spec;
        this.identity = spec.identity();
        this.listener = listener;
        this.device = new DeviceClient(this.identity.hubHost(), this.identity.deviceId(),
                new SdkAdapters.NeverFailingTokenProvider(spec), IotHubClientProtocol.valueOf(spec.transport().name()),
                SdkAdapters.clientOptions(spec).build());
        // Callbacks are set before registration: the SDK drops subscriptions of unregistered devices.
        this.device.setMessageCallback(this::onCloudToDevice, null);
        this.device.setOperationTimeout(spec.operationTimeout().toMillis());
        // A lost device session is re-established by the supervisor (a new client, once it holds a valid token),
        // not by the SDK: its single-device reconnect unregisters and re-registers at once, with the token that was
        // just refused, and when the put-token is answered 401 it ends the new session before the hub's Begin
        // arrives; proton-j 0.34.1 then fails the whole transport ("uncorrelated channel"), dropping every identity
        // on the connection. A lost connection is not retried by the SDK either (MultiplexedConnection): every
        // identity re-registers on a new one through its supervisor.
        this.device.setRetryPolicy(SdkAdapters.NEVER_RETRY);
        this.device.setConnectionStatusChangeCallback(this::onStatusChanged, null);
    }

    @Override
    public void open() throws HubClientException {
        MultiplexedConnection joined = this.factory.join(this.spec);
        CompletableFuture<Void> registered = joined.register(this.device);
        try {
            registered.get(MultiplexedConnection.REGISTRATION_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            this.connection = joined;
        } catch (ExecutionException e) {
            this.factory.leave(joined);
            throw new HubClientException(SdkOutcomes.registrationFailure(e.getCause()),
                    SdkOutcomes.describe(e.getCause()));
        } catch (TimeoutException e) {
            abandon(joined, registered);
            throw new HubClientException(ConnectionReason.NO_NETWORK,
                    "no answer to the multiplexed registration within " + MultiplexedConnection.REGISTRATION_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(joined, registered);
            throw new HubClientException(ConnectionReason.COMMUNICATION_ERROR, "interrupted while registering");
        }
    }

    /** A registration we stopped waiting for: undone once it completes, and our place given back. */
    private void abandon(MultiplexedConnection joined, CompletableFuture<Void> registered) {
        registered.whenComplete((ok, error) -> {
            if (error == null) {
                joined.unregister(this.device);
            }
            this.factory.leave(joined);
        });
    }

    @Override
    public void send(TelemetryMessage message, Consumer<SendResult> onResult) {
        long id = this.sendIds.incrementAndGet();
        PendingSend pending = new PendingSend(new AtomicBoolean(), onResult);
        this.inFlight.put(id, pending);
        this.device.sendEventAsync(SdkAdapters.toSdkMessage(message), (sent, error, context) -> {
            this.inFlight.remove(id);
            pending.report(SdkOutcomes.sendResult(error));
        }, null);
    }

    /**
     * Unregisters without waiting for the SDK (its unregistration polls in 100 ms steps; a gateway closing a
     * thousand identities must not wait for each in turn). The connection's operations stay in order, so the same
     * identity registering again always follows. The last identity to leave closes the connection and waits for it.
     */
    @Override
    public void close() {
        if (!this.closed.compareAndSet(false, true)) {
            return;
        }
        MultiplexedConnection joined = this.connection;
        this.connection = null;
        if (joined != null) {
            joined.unregister(this.device);
            this.factory.leave(joined);
        }
        SendResult cancelled = new SendResult(SendResult.Kind.CANCELLED,
                IotHubStatusCode.MESSAGE_CANCELLED_ONCLOSE.name());
        this.inFlight.values().forEach(pending -> pending.report(cancelled));
        this.inFlight.clear();
    }

    private void onStatusChanged(ConnectionStatusChangeContext context) {
        ClientStatus status = SdkOutcomes.status(context.getNewStatus());
        ConnectionReason reason = SdkOutcomes.reason(context.getNewStatusReason(), context.getCause());
        if (reason == ConnectionReason.CLIENT_CLOSE && !this.closed.get()) {
            // The SDK says CLIENT_CLOSE for the sessions of a shared connection it lost and does not retry; we did
            // not close anything: to the user this is a lost connection.
            reason = ConnectionReason.NO_NETWORK;
        }
        this.listener.onStatus(status, reason, SdkOutcomes.describe(context.getCause()));
    }

    private IotHubMessageResult onCloudToDevice(Message message, Object context) {
        // Multiplexing is AMQP only: abandon and reject exist on the wire.
        return CloudToDeviceResults.toSdk(
                this.listener.onCloudToDevice(SdkAdapters.fromSdkMessage(this.identity, message)), Transport.AMQPS);
    }
}
