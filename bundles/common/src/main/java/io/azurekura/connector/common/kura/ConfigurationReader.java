package io.azurekura.connector.common.kura;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.configuration.Password;
import org.eclipse.kura.crypto.CryptoService;

import io.azurekura.connector.common.redact.Redactor;

/**
 * Reads Kura configuration properties defensively. Kura hands Password attributes to components as the encrypted
 * {@code String} (not a {@code Password}), so secrets go through {@link CryptoService#decryptAes(char[])}, with the
 * plain value as fallback for values typed in before encryption (what Kura's own MQTT transport does).
 * Bad values are collected as problems instead of thrown, so a component never fails activation on bad input.
 * Values arrive unchecked through REST, snapshots and cloud requests (Kura validates only in its web UI), so a value
 * quoted in a problem is escaped and bounded, and a Password value is never quoted.
 */
public final class ConfigurationReader {

    /** Longest part of a configuration value quoted in a problem. */
    static final int MAX_QUOTED = 80;

    private final Map<String, ?> properties;
    private final List<String> problems = new ArrayList<>();

    public ConfigurationReader(Map<String, ?> properties) {
        this.properties = properties;
    }

    public List<String> problems() {
        return this.problems;
    }

    public void problem(String message) {
        this.problems.add(message);
    }

    /**
     * A configuration value as it may appear in a problem text: between quotes, control characters escaped (a
     * CR/LF must not forge a log line), cut after {@value #MAX_QUOTED} characters; a Password says only that.
     */
    public String quote(Object value) {
        if (value instanceof Password || value instanceof char[]) {
            return "(a password value)";
        }
        String text = value instanceof String[] ? String.join(",", (String[]) value) : String.valueOf(value);
        return "'" + Redactor.escape(Redactor.redact(text), MAX_QUOTED) + "'";
    }

    public String string(String key, String defaultValue) {
        Object value = this.properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        String text = value instanceof String[] ? String.join(",", (String[]) value) : String.valueOf(value);
        return text.trim();
    }

    public boolean bool(String key, boolean defaultValue) {
        Object value = this.properties.get(key);
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value == null || String.valueOf(value).isBlank()) {
            return defaultValue;
        }
        String text = String.valueOf(value).trim();
        if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
            return Boolean.parseBoolean(text);
        }
        problem(key + ": " + quote(value) + " is not true or false; using " + defaultValue);
        return defaultValue;
    }

    /** An integer within [min, max]; out-of-range or garbled values are reported and replaced by the default. */
    public long number(String key, long defaultValue, long min, long max) {
        Object value = this.properties.get(key);
        if (value == null || String.valueOf(value).isBlank()) {
            return defaultValue;
        }
        long parsed;
        if (value instanceof Number) {
            parsed = ((Number) value).longValue();
        } else {
            try {
                parsed = Long.parseLong(String.valueOf(value).trim());
            } catch (NumberFormatException e) {
                problem(key + ": " + quote(value) + " is not a whole number; using " + defaultValue);
                return defaultValue;
            }
        }
        if (parsed < min || parsed > max) {
            problem(key + ": " + parsed + " is outside [" + min + ", " + max + "]; using " + defaultValue);
            return defaultValue;
        }
        return parsed;
    }

    public double decimal(String key, double defaultValue, double min, double max) {
        Object value = this.properties.get(key);
        if (value == null || String.valueOf(value).isBlank()) {
            return defaultValue;
        }
        double parsed;
        if (value instanceof Number) {
            parsed = ((Number) value).doubleValue();
        } else {
            try {
                parsed = Double.parseDouble(String.valueOf(value).trim());
            } catch (NumberFormatException e) {
                problem(key + ": " + quote(value) + " is not a number; using " + defaultValue);
                return defaultValue;
            }
        }
        if (!(parsed >= min && parsed <= max)) {
            problem(key + ": " + parsed + " is outside [" + min + ", " + max + "]; using " + defaultValue);
            return defaultValue;
        }
        return parsed;
    }

    /** One of {@code allowed} (case-insensitive), else the default with a problem reported. */
    public <E extends Enum<E>> E choice(String key, Class<E> type, E defaultValue) {
        String text = string(key, null);
        if (text == null || text.isEmpty()) {
            return defaultValue;
        }
        for (E candidate : type.getEnumConstants()) {
            if (candidate.name().equalsIgnoreCase(text)) {
                return candidate;
            }
        }
        problem(key + ": " + quote(this.properties.get(key)) + " is not one of "
                + java.util.Arrays.toString(type.getEnumConstants()) + "; using " + defaultValue);
        return defaultValue;
    }

    /**
     * A secret typed {@code Password} in the metatype. Never logged, never echoed in a problem message.
     *
     * @return the decrypted characters, or an empty array when absent
     */
    public char[] secret(String key, CryptoService crypto) {
        Object value = this.properties.get(key);
        char[] stored;
        if (value == null) {
            return new char[0];
        } else if (value instanceof Password) {
            char[] chars = ((Password) value).getPassword();
            return chars == null ? new char[0] : chars.clone();
        } else if (value instanceof char[]) {
            stored = ((char[]) value).clone();
        } else if (value instanceof String[]) {
            String[] values = (String[]) value;
            stored = values.length == 0 ? new char[0] : values[0].toCharArray();
        } else {
            stored = String.valueOf(value).toCharArray();
        }
        if (stored.length == 0 || crypto == null) {
            return stored;
        }
        try {
            char[] decrypted = crypto.decryptAes(stored);
            return decrypted == null ? stored : decrypted;
        } catch (KuraException | RuntimeException e) {
            // Not encrypted (entered before Kura encrypted it, or set by a tool): use as typed.
            return stored;
        }
    }
}
