package io.azurekura.connector.hub.supervisor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import io.azurekura.connector.api.hub.CloudToDeviceMessage;

/**
 * Failed deliveries per cloud-to-device message, bounded: a flood of distinct failing messages evicts the oldest
 * entries (which then start counting again) instead of growing without limit.
 */
final class DeliveryCounts {

    private final int capacity;
    private final Map<String, Integer> counts;

    DeliveryCounts(int capacity) {
        this.capacity = capacity;
        this.counts = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > DeliveryCounts.this.capacity;
            }
        };
    }

    /** The hub's message id, or for a message without one a digest of what it carries. */
    static String keyOf(CloudToDeviceMessage message) {
        return message.messageId().map(id -> "id:" + id).orElseGet(() -> "content:"
                + Arrays.hashCode(message.body()) + "/" + message.properties().hashCode());
    }

    /** @return the failed deliveries of this message so far, this one included */
    synchronized int increment(String key) {
        return this.counts.merge(key, 1, Integer::sum);
    }

    synchronized void forget(String key) {
        this.counts.remove(key);
    }

    synchronized int size() {
        return this.counts.size();
    }
}
