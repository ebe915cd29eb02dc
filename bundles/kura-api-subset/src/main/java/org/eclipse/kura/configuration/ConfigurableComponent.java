package org.eclipse.kura.configuration;

import org.osgi.annotation.versioning.ConsumerType;

/** Marker: Kura's ConfigurationService tracks services registered under this name and shows them in the UI. */
@ConsumerType
public interface ConfigurableComponent {
}
