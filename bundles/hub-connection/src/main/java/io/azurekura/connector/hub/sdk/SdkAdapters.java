package io.azurekura.connector.hub.sdk;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.MessageProperty;
import com.microsoft.azure.sdk.iot.device.SasTokenProvider;
import com.microsoft.azure.sdk.iot.device.transport.RetryPolicy;
import com.microsoft.azure.sdk.iot.device.transport.RetryDecision;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;
import io.azurekura.connector.api.hub.HubIdentity;
import io.azurekura.connector.api.hub.TelemetryMessage;
import io.azurekura.connector.api.token.SasFormat;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.hub.client.ClientSpec;

/** Translations between our types and the SDK's, shared by the single and the multiplexed clients. */
final class SdkAdapters {

    private static final Logger LOG = LoggerFactory.getLogger(SdkAdapters.class);

    private SdkAdapters() {
    }

    static ClientOptions.ClientOptionsBuilder clientOptions(ClientSpec spec) {
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
        return options;
    }

    /** The SDK's own reconnects follow our delays (it retries forever until the operation timeout). */
    /**
     * For multiplexed identities and their shared connection: the supervisor, not the SDK, re-establishes them
     * (see MultiplexedHubClient and MultiplexedConnection for why).
     */
    static final RetryPolicy NEVER_RETRY = (attempt, error) -> new RetryDecision(false, 0);

    static RetryPolicy retryPolicy(ClientSpec spec) {
        return (attempt, error) -> new RetryDecision(true, spec.retryDelay().apply(attempt).toMillis());
    }

    static Message toSdkMessage(TelemetryMessage message) {
        Message sdkMessage = new Message(message.body());
        message.messageId().ifPresent(sdkMessage::setMessageId);
        message.correlationId().ifPresent(sdkMessage::setCorrelationId);
        message.contentType().ifPresent(sdkMessage::setContentType);
        message.contentEncoding().ifPresent(sdkMessage::setContentEncoding);
        message.properties().forEach(sdkMessage::setProperty);
        return sdkMessage;
    }

    static CloudToDeviceMessage fromSdkMessage(HubIdentity identity, Message message) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (MessageProperty property : message.getProperties()) {
            properties.put(property.getName(), property.getValue());
        }
        return new CloudToDeviceMessage(identity, message.getBytes(), message.getMessageId(),
                message.getCorrelationId(), message.getContentType(), message.getContentEncoding(), properties,
                Instant.now());
    }

    /**
     * The SDK must never get null or an exception from the provider: on MQTT reconnect that becomes a 10 ms hot
     * loop (docs/azure-sdk.md "SasTokenProvider"), and on AMQP it runs on the reactor thread every multiplexed device
     * shares. Our
     * supplier already promises this; the guard keeps the promise if it breaks.
     */
    static final class NeverFailingTokenProvider implements SasTokenProvider {

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
