package io.azurekura.connector.cloud.demo;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.cloud.CloudComponents;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.kura.ConfigurationReader;

/**
 * Publishes {@link DemoReadings} through the selected CloudPublisher at a fixed interval, the way Kura's example
 * publisher does. A factory component: nothing runs until an instance is created.
 */
@Component(name = CloudComponents.DEMO_PUBLISHER_FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = ConfigurableComponent.class)
@Designate(ocd = DemoPublisherConfiguration.class, factory = true)
public final class DemoPublisher implements ConfigurableComponent, CloudConnectionListener, CloudDeliveryListener {

    private static final Logger LOG = LoggerFactory.getLogger(DemoPublisher.class);

    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong confirmed = new AtomicLong();
    private volatile CloudPublisher publisher;
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> task;
    private volatile DemoReadings readings;
    private String pid = "?";

    @Reference(name = "CloudPublisher", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindCloudPublisher")
    void bindCloudPublisher(CloudPublisher cloudPublisher) {
        cloudPublisher.registerCloudConnectionListener(this);
        cloudPublisher.registerCloudDeliveryListener(this);
        this.publisher = cloudPublisher;
    }

    void unbindCloudPublisher(CloudPublisher cloudPublisher) {
        cloudPublisher.unregisterCloudConnectionListener(this);
        cloudPublisher.unregisterCloudDeliveryListener(this);
        if (this.publisher == cloudPublisher) {
            this.publisher = null;
        }
    }

    @Activate
    synchronized void activate(Map<String, Object> properties) {
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("demo-publisher"));
        schedule(properties);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        schedule(properties);
    }

    @Deactivate
    synchronized void deactivate() {
        this.scheduler.shutdownNow();
        LOG.info("Demo publisher {} stopped after {} readings ({} confirmed by IoT Hub)", this.pid,
                this.sequence.get(), this.confirmed.get());
    }

    private void schedule(Map<String, Object> properties) {
        ConfigurationReader config = new ConfigurationReader(properties);
        this.pid = config.string(CloudComponents.KURA_SERVICE_PID, "?");
        long interval = config.number("publish.interval.seconds", 10, 1, 86_400);
        double average = config.decimal("temperature.average", 21.5, -50, 150);
        config.problems().forEach(p -> LOG.warn("Demo publisher {}: configuration: {}", this.pid, p));
        this.readings = new DemoReadings(this.pid, average);
        if (this.task != null) {
            this.task.cancel(false);
        }
        this.task = this.scheduler.scheduleAtFixedRate(this::publishOne, interval, interval, TimeUnit.SECONDS);
        LOG.info("Demo publisher {} publishes every {} s", this.pid, interval);
    }

    private void publishOne() {
        CloudPublisher current = this.publisher;
        if (current == null) {
            LOG.debug("Demo publisher {}: no cloud publisher matches CloudPublisher.target", this.pid);
            return;
        }
        long n = this.sequence.incrementAndGet();
        try {
            String id = current.publish(new KuraMessage(this.readings.reading(n, Instant.now())));
            LOG.debug("Demo publisher {}: reading {} published as message {}", this.pid, n, id);
        } catch (KuraException | RuntimeException e) {
            LOG.warn("Demo publisher {}: reading {} not published: {}", this.pid, n, e.getMessage());
        }
    }

    @Override
    public void onMessageConfirmed(String messageId) {
        long count = this.confirmed.incrementAndGet();
        if (count == 1 || count % 100 == 0) {
            LOG.info("Demo publisher {}: {} readings confirmed by IoT Hub (latest {})", this.pid, count, messageId);
        }
    }

    @Override
    public void onConnectionEstablished() {
        LOG.info("Demo publisher {}: cloud connection established", this.pid);
    }

    @Override
    public void onConnectionLost() {
        LOG.info("Demo publisher {}: cloud connection lost; readings are queued", this.pid);
    }

    @Override
    public void onDisconnected() {
        LOG.info("Demo publisher {}: cloud connection disconnected", this.pid);
    }
}
