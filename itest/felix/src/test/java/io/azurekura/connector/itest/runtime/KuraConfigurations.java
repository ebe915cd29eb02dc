package io.azurekura.connector.itest.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.eclipse.kura.configuration.Password;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Writes component configurations into ConfigAdmin the way Kura's ConfigurationService does (docs/kura-conventions.md
 * "Configurable components and metatype", "Passwords and CryptoService"):
 * defaults from the component's metatype, then the running properties, then the new ones; {@code kura.service.pid}
 * set; {@link Password} values stored as the CryptoService's ciphertext String (what components then receive).
 * Singletons use location {@code "?"}; factory instances are created with a null location, as Kura does.
 */
final class KuraConfigurations {

    static final String KURA_SERVICE_PID = "kura.service.pid";

    private final Supplier<ConfigurationAdmin> configAdmin;
    private final Supplier<MetaTypeService> metatype;
    private final Supplier<Bundle[]> bundles;
    private final TestCryptoService crypto;
    /** Kura's ConfigurationService serialises its updates; so do we, also against default seeding. */
    private final Object lock = new Object();

    KuraConfigurations(Supplier<ConfigurationAdmin> configAdmin, Supplier<MetaTypeService> metatype,
            Supplier<Bundle[]> bundles, TestCryptoService crypto) {
        this.configAdmin = configAdmin;
        this.metatype = metatype;
        this.bundles = bundles;
        this.crypto = crypto;
    }

    /**
     * Kura's {@code updateWithDefaultConfiguration}: when a bundle becomes ACTIVE, every singleton PID in its
     * metatype without a configuration gets one with the metatype defaults, so REQUIRE components activate.
     */
    void seedDefaults(Bundle bundle) {
        MetaTypeInformation info = this.metatype.get().getMetaTypeInformation(bundle);
        if (info == null) {
            return;
        }
        synchronized (this.lock) {
            for (String pid : info.getPids()) {
                if (exists(pid)) {
                    continue;
                }
                Map<String, Object> properties = defaults(info.getObjectClassDefinition(pid, null));
                properties.put(KURA_SERVICE_PID, pid);
                update(configuration(pid), properties);
            }
        }
    }

    /**
     * Kura's {@code updateConfiguration(pid, properties)} for a singleton component, including its validation: a
     * value its attribute definition rejects, or a missing required value, is refused as Kura refuses it.
     */
    Map<String, Object> configure(String pid, Map<String, ?> properties) {
        synchronized (this.lock) {
            Configuration configuration = configuration(pid);
            ObjectClassDefinition ocd = ocd(pid);
            Map<String, Object> merged = defaults(ocd);
            merged.putAll(running(configuration));
            merged.putAll(stored(properties));
            merged.put(KURA_SERVICE_PID, pid);
            validate(pid, ocd, merged);
            update(configuration, merged);
            return Collections.unmodifiableMap(merged);
        }
    }

    /**
     * Kura's {@code createFactoryConfiguration(factoryPid, pid, properties, true)} followed by the update a user
     * makes in the web console: the instance is known to Kura as {@code kuraServicePid}.
     *
     * @return the ConfigAdmin PID of the new instance
     */
    String createFactoryConfiguration(String factoryPid, String kuraServicePid, Map<String, ?> properties) {
        synchronized (this.lock) {
            try {
                Configuration configuration = this.configAdmin.get().createFactoryConfiguration(factoryPid, null);
                Map<String, Object> merged = defaults(ocd(factoryPid));
                merged.putAll(stored(properties));
                merged.put(KURA_SERVICE_PID, kuraServicePid);
                update(configuration, merged);
                return configuration.getPid();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Updates an existing configuration, found by its kura.service.pid (singleton or factory instance). */
    Map<String, Object> update(String kuraServicePid, Map<String, ?> properties) {
        synchronized (this.lock) {
            Configuration configuration = find(kuraServicePid).orElseThrow(
                    () -> new IllegalStateException("no configuration with kura.service.pid=" + kuraServicePid));
            String ocdPid = configuration.getFactoryPid() != null ? configuration.getFactoryPid() : kuraServicePid;
            ObjectClassDefinition ocd = ocd(ocdPid);
            Map<String, Object> merged = defaults(ocd);
            merged.putAll(running(configuration));
            merged.putAll(stored(properties));
            merged.put(KURA_SERVICE_PID, kuraServicePid);
            validate(kuraServicePid, ocd, merged);
            update(configuration, merged);
            return Collections.unmodifiableMap(merged);
        }
    }

    /** Kura's {@code deleteFactoryConfiguration}, or removing a singleton's configuration. */
    boolean delete(String kuraServicePid) {
        synchronized (this.lock) {
            Optional<Configuration> configuration = find(kuraServicePid);
            configuration.ifPresent(c -> {
                try {
                    c.delete();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return configuration.isPresent();
        }
    }

    Optional<Map<String, Object>> properties(String kuraServicePid) {
        return find(kuraServicePid).map(KuraConfigurations::running);
    }

    private Optional<Configuration> find(String kuraServicePid) {
        try {
            Configuration[] found = this.configAdmin.get()
                    .listConfigurations("(" + KURA_SERVICE_PID + "=" + escape(kuraServicePid) + ")");
            if (found == null) {
                found = this.configAdmin.get()
                        .listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(kuraServicePid) + ")");
            }
            return found == null ? Optional.empty() : Optional.of(found[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private boolean exists(String pid) {
        try {
            return this.configAdmin.get()
                    .listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")") != null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Configuration configuration(String pid) {
        try {
            return this.configAdmin.get().getConfiguration(pid, "?");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void update(Configuration configuration, Map<String, Object> properties) {
        try {
            configuration.update(new Hashtable<>(properties));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> running(Configuration configuration) {
        Map<String, Object> running = new LinkedHashMap<>();
        Dictionary<String, Object> current = configuration.getProperties();
        if (current != null) {
            for (String key : Collections.list(current.keys())) {
                if (!Constants.SERVICE_PID.equals(key) && !ConfigurationAdmin.SERVICE_FACTORYPID.equals(key)
                        && !ConfigurationAdmin.SERVICE_BUNDLELOCATION.equals(key)) {
                    running.put(key, current.get(key));
                }
            }
        }
        return running;
    }

    /** The user's values as Kura stores them: Passwords encrypted, everything else as given. */
    private Map<String, Object> stored(Map<String, ?> properties) {
        Map<String, Object> stored = new LinkedHashMap<>();
        properties.forEach((key, value) -> {
            if (value instanceof Password) {
                stored.put(key, this.crypto.encrypt(new String(((Password) value).getPassword())));
            } else if (value instanceof Password[]) {
                stored.put(key, Arrays.stream((Password[]) value)
                        .map(p -> this.crypto.encrypt(new String(p.getPassword()))).toArray(String[]::new));
            } else {
                stored.put(key, value);
            }
        });
        return stored;
    }

    /**
     * Kura's {@code validateProperties}: every value through its AttributeDefinition's {@code validate}, and every
     * required attribute present. Kura's updateConfiguration throws on either, so the user's change is lost.
     */
    private static void validate(String pid, ObjectClassDefinition ocd, Map<String, Object> properties) {
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            Object value = properties.get(ad.getID());
            if (value == null) {
                if (isRequired(ocd, ad)) {
                    throw new IllegalArgumentException("Kura refuses the configuration of " + pid
                            + ": required attribute " + ad.getID() + " is missing");
                }
                continue;
            }
            Object[] values = value.getClass().isArray() ? toObjectArray(value) : new Object[] { value };
            for (Object single : values) {
                String problem = ad.validate(String.valueOf(single));
                if (problem != null && !problem.isEmpty()) {
                    String shown = ad.getType() == AttributeDefinition.PASSWORD ? "(password)"
                            : "'" + single + "'";
                    throw new IllegalArgumentException("Kura refuses the configuration of " + pid + ": "
                            + ad.getID() + "=" + shown + ": " + problem);
                }
            }
        }
    }

    private static boolean isRequired(ObjectClassDefinition ocd, AttributeDefinition ad) {
        // MetaTypeService answers null, not an empty array, when no attribute is required
        AttributeDefinition[] required = ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED);
        return required != null && Arrays.stream(required).anyMatch(r -> r.getID().equals(ad.getID()));
    }

    private static Object[] toObjectArray(Object array) {
        Object[] values = new Object[java.lang.reflect.Array.getLength(array)];
        for (int i = 0; i < values.length; i++) {
            values[i] = java.lang.reflect.Array.get(array, i);
        }
        return values;
    }

    private ObjectClassDefinition ocd(String pidOrFactoryPid) {
        MetaTypeService service = this.metatype.get();
        for (Bundle bundle : this.bundles.get()) {
            MetaTypeInformation info = service.getMetaTypeInformation(bundle);
            if (info != null && (Arrays.asList(info.getPids()).contains(pidOrFactoryPid)
                    || Arrays.asList(info.getFactoryPids()).contains(pidOrFactoryPid))) {
                return info.getObjectClassDefinition(pidOrFactoryPid, null);
            }
        }
        // Kura ignores updates for components it does not track; a test doing this has a bug.
        throw new IllegalStateException("no installed bundle has metatype for " + pidOrFactoryPid
                + ": Kura would not track this component");
    }

    /** Kura's ComponentUtil defaults: typed, arrays when cardinality is beyond ±1, empty defaults dropped. */
    private Map<String, Object> defaults(ObjectClassDefinition ocd) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            String[] values = ad.getDefaultValue();
            if (values == null || values.length == 0 || (values.length == 1 && values[0].isEmpty())) {
                continue;
            }
            if (Math.abs(ad.getCardinality()) <= 1) {
                defaults.put(ad.getID(), typed(ad.getType(), values[0]));
            } else {
                Object[] array = Arrays.stream(values).map(v -> typed(ad.getType(), v)).toArray();
                defaults.put(ad.getID(), toTypedArray(ad.getType(), array));
            }
        }
        return defaults;
    }

    private Object typed(int type, String value) {
        switch (type) {
        case AttributeDefinition.LONG:
            return Long.valueOf(value.trim());
        case AttributeDefinition.INTEGER:
            return Integer.valueOf(value.trim());
        case AttributeDefinition.SHORT:
            return Short.valueOf(value.trim());
        case AttributeDefinition.BYTE:
            return Byte.valueOf(value.trim());
        case AttributeDefinition.DOUBLE:
            return Double.valueOf(value.trim());
        case AttributeDefinition.FLOAT:
            return Float.valueOf(value.trim());
        case AttributeDefinition.BOOLEAN:
            return Boolean.valueOf(value.trim());
        case AttributeDefinition.CHARACTER:
            return value.charAt(0);
        case AttributeDefinition.PASSWORD:
            // Kura stores Password defaults encrypted, like any other Password value
            return this.crypto.encrypt(value);
        default:
            return value;
        }
    }

    private static Object toTypedArray(int type, Object[] values) {
        Class<?> component;
        switch (type) {
        case AttributeDefinition.LONG:
            component = Long.class;
            break;
        case AttributeDefinition.INTEGER:
            component = Integer.class;
            break;
        case AttributeDefinition.SHORT:
            component = Short.class;
            break;
        case AttributeDefinition.BYTE:
            component = Byte.class;
            break;
        case AttributeDefinition.DOUBLE:
            component = Double.class;
            break;
        case AttributeDefinition.FLOAT:
            component = Float.class;
            break;
        case AttributeDefinition.BOOLEAN:
            component = Boolean.class;
            break;
        case AttributeDefinition.CHARACTER:
            component = Character.class;
            break;
        default:
            component = String.class;
        }
        Object array = java.lang.reflect.Array.newInstance(component, values.length);
        System.arraycopy(values, 0, array, 0, values.length);
        return array;
    }

    static String escape(String filterValue) {
        StringBuilder escaped = new StringBuilder(filterValue.length());
        for (char c : filterValue.toCharArray()) {
            if (c == '\\' || c == '(' || c == ')' || c == '*') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }
}
