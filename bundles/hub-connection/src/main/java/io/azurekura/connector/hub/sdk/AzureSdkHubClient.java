package io.azurekura.connector.hub.sdk;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.ConnectionStatusChangeContext;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.InternalClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.MessageProperty;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.SasTokenProvider;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.transport.RetryDecision;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.ConnectionReason;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.token.SasFormat;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
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
    private final HubClientListener listener;
    private final InternalClient client;
    private final AtomicBoolean closed = new AtomicBoolean();

    AzureSdkHubClient(ClientSpec spec, HubClientListener listener) {
        this.identity = spec.identity();
        this.listener = listener;
        ClientOptions.ClientOptionsBuilder options = ClientOptions.builder()
                .keepAliveInterval(spec.keepAliveSeconds())
                // The SDK's worker threads carry our prefix (the SDK only applies it to non-"identifiable" names),
                // so a leak check after deactivation finds them; Paho's own threads are named "MQTT ...: <id>".
                .useIdentifiableThreadNames(false)
                .threadNamePrefix(NamedThreadFactory.PREFIX + "sdk-")
                .threadNameSuffix("-" + spec.identity())
                // Expiry disconnects are handled (and logged) by the supervisor; the SDK need not shout about them.
                .logRoutineDisconnectsAsErrors(false);
        if (spec.sslContext() != null) {
            options.sslContext(spec.sslContext());
        }
        SasTokenProvider tokens = new NeverFailingTokenProvider(spec);
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
        // The SDK's own reconnects follow our delays (it retries forever until the operation timeout).
        this.client.setRetryPolicy((attempt, error) -> new RetryDecision(true,
                spec.retryDelay().apply(attempt).toMillis()));
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
        Message sdkMessage = new Message(message.body());
        message.messageId().ifPresent(sdkMessage::setMessageId);
        message.correlationId().ifPresent(sdkMessage::setCorrelationId);
        message.contentType().ifPresent(sdkMessage::setContentType);
        message.contentEncoding().ifPresent(sdkMessage::setContentEncoding);
        message.properties().forEach(sdkMessage::setProperty);
        AtomicBoolean reported = new AtomicBoolean();
        this.client.sendEventAsync(sdkMessage, (sent, error, context) -> {
            if (reported.compareAndSet(false, true)) {
                onResult.accept(SdkOutcomes.sendResult(error));
            }
        }, null);
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
    }

    private void onStatusChanged(ConnectionStatusChangeContext context) {
        ClientStatus status = SdkOutcomes.status(context.getNewStatus());
        ConnectionReason reason = SdkOutcomes.reason(context.getNewStatusReason(), context.getCause());
        this.listener.onStatus(status, reason, SdkOutcomes.describe(context.getCause()));
    }

    private IotHubMessageResult onCloudToDevice(Message message, Object context) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (MessageProperty property : message.getProperties()) {
            properties.put(property.getName(), property.getValue());
        }
        this.listener.onCloudToDevice(new CloudToDeviceMessage(this.identity, message.getBytes(),
                message.getMessageId(), message.getCorrelationId(), message.getContentType(),
                message.getContentEncoding(), properties, Instant.now()));
        // MQTT only knows COMPLETE (PUBACK); the message is handed to our dispatcher, which owns it from here.
        return IotHubMessageResult.COMPLETE;
    }

    /**
     * The SDK must never get null or an exception from the provider: on MQTT reconnect that becomes a 10 ms hot
     * loop (azure-sdk-facts.md §2). Our supplier already promises this; the guard keeps the promise if it breaks.
     */
    private static final class NeverFailingTokenProvider implements SasTokenProvider {

        private final ClientSpec spec;
        private final char[] placeholder;

        NeverFailingTokenProvider(ClientSpec spec) {
            this.spec = spec;
            // Well formed and long expired: the hub refuses it and the SDK backs off.
            this.placeholder = (SasFormat.PREFIX + "sr=" + spec.identity().tokenScope().resourceUri()
                    + "&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D&se=1").toCharArray();
        }

        @Override
        public char[] getSasToken() {
            try {
                char[] token = this.spec.tokenSupplier().get();
                return token != null && token.length > 0 ? token : this.placeholder.clone();
            } catch (RuntimeException e) {
                LOG.warn("Token supplier failed; handing the SDK an expired placeholder: {}", e.getClass().getName());
                return this.placeholder.clone();
            }
        }
    }
}
