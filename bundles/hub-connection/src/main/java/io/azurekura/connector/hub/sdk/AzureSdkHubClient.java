package io.azurekura.connector.hub.sdk;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.ConnectionStatusChangeContext;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.InternalClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.SasTokenProvider;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;

import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.hub.Transport;
import io.azurekura.connector.hub.client.ClientSpec;
import io.azurekura.connector.hub.client.ClientStatus;
import io.azurekura.connector.hub.client.HubClient;
import io.azurekura.connector.hub.client.HubClientException;
import io.azurekura.connector.hub.client.HubClientListener;
import io.azurekura.connector.hub.client.SendResult;

/** One SDK client. The SDK calls back on its own threads; everything here returns at once on those threads. */
final class AzureSdkHubClient implements HubClient {

    private static final Logger LOG = LoggerFactory.getLogger(AzureSdkHubClient.class);

    private final HubIdentity identity;
    private final Transport transport;
    private final HubClientListener listener;
    private final InternalClient client;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Sends the SDK has not reported yet. After the SDK gives up reconnecting by itself (DISCONNECTED, e.g. a token
     * refused while it retried) its {@code close()} reports nothing for the messages it still held; they are
     * cancelled here, so the supervisor sends them again on its next client instead of waiting forever.
     */
    private final Map<Long, Consumer<SendResult>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong sendIds = new AtomicLong();

    AzureSdkHubClient(ClientSpec spec, HubClientListener listener) {
        this.identity = spec.identity();
        this.transport = spec.transport();
        this.listener = listener;
        ClientOptions.ClientOptionsBuilder options = SdkAdapters.clientOptions(spec);
        SasTokenProvider tokens = new SdkAdapters.NeverFailingTokenProvider(spec);
        IotHubClientProtocol protocol = IotHubClientProtocol.valueOf(spec.transport().name());
        String module = this.identity.moduleId().orElse(null);
        if (module == null) {
            DeviceClient device = new DeviceClient(this.identity.hubHost(), this.identity.deviceId(), tokens, protocol,
                    options.build());
            device.setMessageCallback(this::onCloudToDevice, null);
            this.client = device;
        } else {
            ModuleClient moduleClient = new ModuleClient(this.identity.hubHost(), this.identity.deviceId(), module,
                    tokens, protocol, options.build());
            moduleClient.setMessageCallback(this::onCloudToDevice, null);
            this.client = moduleClient;
        }
        this.client.setOperationTimeout(spec.operationTimeout().toMillis());
        this.client.setRetryPolicy(SdkAdapters.retryPolicy(spec));
        this.client.setConnectionStatusChangeCallback(this::onStatusChanged, null);
    }

    @Override
    public void open() throws HubClientException {
        try {
            // open(false): one attempt. open(true) would retry even refused credentials until the operation
            // timeout (azure-iot-sdk-java #1800); the supervisor decides about retries instead.
            this.client.open(false);
        } catch (IotHubClientException e) {
            throw new HubClientException(SdkOutcomes.openFailure(e), SdkOutcomes.describe(e));
        } catch (RuntimeException e) {
            throw new HubClientException(ConnectionReason.COMMUNICATION_ERROR, SdkOutcomes.describe(e));
        }
    }

    @Override
    public void send(TelemetryMessage message, Consumer<SendResult> onResult) {
        Message sdkMessage = SdkAdapters.toSdkMessage(message);
        AtomicBoolean reported = new AtomicBoolean();
        long id = this.sendIds.incrementAndGet();
        Consumer<SendResult> once = result -> {
            if (reported.compareAndSet(false, true)) {
                this.inFlight.remove(id);
                onResult.accept(result);
            }
        };
        this.inFlight.put(id, once);
        if (this.closed.get()) {
            once.accept(cancelledOnClose());
            return;
        }
        this.client.sendEventAsync(sdkMessage, (sent, error, context) -> once.accept(SdkOutcomes.sendResult(error)),
                null);
    }

    @Override
    public void close() {
        if (!this.closed.compareAndSet(false, true)) {
            return;
        }
        try {
            this.client.close();
        } catch (RuntimeException e) {
            LOG.debug("Closing the SDK client for {} failed: {}", this.identity, SdkOutcomes.describe(e));
        }
        SendResult cancelled = cancelledOnClose();
        List.copyOf(this.inFlight.values()).forEach(pending -> pending.accept(cancelled));
    }

    private static SendResult cancelledOnClose() {
        return new SendResult(SendResult.Kind.CANCELLED, IotHubStatusCode.MESSAGE_CANCELLED_ONCLOSE.name());
    }

    private void onStatusChanged(ConnectionStatusChangeContext context) {
        ClientStatus status = SdkOutcomes.status(context.getNewStatus());
        ConnectionReason reason = SdkOutcomes.reason(context.getNewStatusReason(), context.getCause());
        this.listener.onStatus(status, reason, SdkOutcomes.describe(context.getCause()));
    }

    private IotHubMessageResult onCloudToDevice(Message message, Object context) {
        return CloudToDeviceResults.toSdk(
                this.listener.onCloudToDevice(SdkAdapters.fromSdkMessage(this.identity, message)), this.transport);
    }
}
