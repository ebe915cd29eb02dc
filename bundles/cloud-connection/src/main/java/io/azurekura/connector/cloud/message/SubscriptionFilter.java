package io.azurekura.connector.cloud.message;

import java.util.Map;
import java.util.Objects;

/**
 * Which cloud-to-device messages a subscriber wants: all of them, or those whose application property
 * {@link #propertyName()} is present (and equals {@link #propertyValue()} when one is given).
 */
public final class SubscriptionFilter {

    public static final SubscriptionFilter ALL = new SubscriptionFilter(null, null);

    private final String propertyName;
    private final String propertyValue;

    private SubscriptionFilter(String propertyName, String propertyValue) {
        this.propertyName = propertyName;
        this.propertyValue = propertyValue;
    }

    /** A filter on one property; a blank name means all messages, a blank value any value. */
    public static SubscriptionFilter of(String propertyName, String propertyValue) {
        if (propertyName == null || propertyName.isBlank()) {
            return ALL;
        }
        return new SubscriptionFilter(propertyName.trim(),
                propertyValue == null || propertyValue.isBlank() ? null : propertyValue.trim());
    }

    /** The filter described by {@code CloudEndpoint.registerSubscriber}'s subscription properties. */
    public static SubscriptionFilter fromSubscriptionProperties(Map<String, Object> subscriptionProperties) {
        if (subscriptionProperties == null) {
            return ALL;
        }
        Object name = subscriptionProperties.get(MessageProperties.FILTER_PROPERTY_NAME);
        Object value = subscriptionProperties.get(MessageProperties.FILTER_PROPERTY_VALUE);
        return of(name == null ? null : String.valueOf(name), value == null ? null : String.valueOf(value));
    }

    /** The subscription properties that describe this filter. */
    public Map<String, Object> toSubscriptionProperties() {
        if (this.propertyName == null) {
            return Map.of();
        }
        return this.propertyValue == null ? Map.of(MessageProperties.FILTER_PROPERTY_NAME, this.propertyName)
                : Map.of(MessageProperties.FILTER_PROPERTY_NAME, this.propertyName,
                        MessageProperties.FILTER_PROPERTY_VALUE, this.propertyValue);
    }

    public boolean matches(Map<String, String> applicationProperties) {
        if (this.propertyName == null) {
            return true;
        }
        String actual = applicationProperties.get(this.propertyName);
        return actual != null && (this.propertyValue == null || this.propertyValue.equals(actual));
    }

    public String propertyName() {
        return this.propertyName;
    }

    public String propertyValue() {
        return this.propertyValue;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubscriptionFilter && Objects.equals(((SubscriptionFilter) o).propertyName,
                this.propertyName) && Objects.equals(((SubscriptionFilter) o).propertyValue, this.propertyValue);
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.propertyName, this.propertyValue);
    }

    @Override
    public String toString() {
        return this.propertyName == null ? "all messages"
                : "property " + this.propertyName + (this.propertyValue == null ? "" : "=" + this.propertyValue);
    }
}
