package io.azurekura.connector.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.kura.configuration.Password;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import io.azurekura.connector.itest.endtoend.ConnectorConfiguration;

/**
 * The sandbox's configuration file (JSON; see {@code sandbox.json}): whether and how to run the loopback emulators,
 * the Kura keystores to register, the demo sender's and the status's intervals, and the components as a user
 * enters them in Kura's web console. Values are typed as Kura types them: whole numbers become Integer (Long when
 * too large), numbers with a decimal point Double, {@code {"password": "..."}} a Kura Password, arrays String[].
 * Placeholders {@code ${name}} in strings are filled in from {@link #resolve(UnaryOperator)}'s lookup.
 */
final class SandboxConfig {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");

    /** The emulators to start; absent or disabled for a real token server, DPS and IoT Hub. */
    record Emulators(boolean enabled, Duration tokenTtl, String idScope, List<String> identities,
            int dpsPollsBeforeAssigned, int dpsRetryAfterSeconds) {
    }

    /** A Kura keystore: the test PKI's trust (for the emulators) or a PKCS12/JKS file. */
    record Keystore(String kuraServicePid, boolean testPki, Path file, String password) {
    }

    final Emulators emulators;
    final List<Keystore> keystores;
    final Duration telemetryInterval;
    final Duration statusInterval;
    private final JsonArray components;

    private SandboxConfig(JsonObject root) {
        JsonObject emulatorObject = root.has("emulators") ? root.getAsJsonObject("emulators") : new JsonObject();
        List<String> identities = new ArrayList<>();
        if (emulatorObject.has("identities")) {
            emulatorObject.getAsJsonArray("identities").forEach(e -> identities.add(e.getAsString()));
        }
        this.emulators = new Emulators(bool(emulatorObject, "enabled", false),
                Duration.ofSeconds(integer(emulatorObject, "tokenTtlSeconds", 3600)),
                text(emulatorObject, "idScope", "0ne00SANDBOX"), List.copyOf(identities),
                integer(emulatorObject, "dpsPollsBeforeAssigned", 1), integer(emulatorObject, "dpsRetryAfterSeconds", 1));
        this.keystores = new ArrayList<>();
        if (root.has("keystores")) {
            for (JsonElement element : root.getAsJsonArray("keystores")) {
                JsonObject store = element.getAsJsonObject();
                this.keystores.add(new Keystore(text(store, "kuraServicePid", null), bool(store, "testPki", false),
                        store.has("file") ? Path.of(store.get("file").getAsString()) : null,
                        text(store, "password", "")));
            }
        }
        JsonObject telemetry = root.has("telemetry") ? root.getAsJsonObject("telemetry") : new JsonObject();
        this.telemetryInterval = Duration.ofSeconds(integer(telemetry, "intervalSeconds", 5));
        this.statusInterval = Duration.ofSeconds(integer(root, "statusIntervalSeconds", 5));
        this.components = root.has("components") ? root.getAsJsonArray("components") : new JsonArray();
    }

    static SandboxConfig read(Path file) {
        try {
            return new SandboxConfig(JsonParser.parseString(Files.readString(file)).getAsJsonObject());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sandbox configuration " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the sandbox configuration " + file + " is not valid: " + e.getMessage(),
                    e);
        }
    }

    /** Keystore passwords may be placeholders too. */
    String password(Keystore keystore, UnaryOperator<String> lookup) {
        return substitute(keystore.password(), lookup);
    }

    /** The components with every placeholder filled in, ready to enter in the runtime. */
    ConnectorConfiguration resolve(UnaryOperator<String> lookup) {
        ConnectorConfiguration configuration = ConnectorConfiguration.empty();
        for (JsonElement element : this.components) {
            JsonObject component = element.getAsJsonObject();
            Map<String, Object> properties = new LinkedHashMap<>();
            JsonObject values = component.has("properties") ? component.getAsJsonObject("properties")
                    : new JsonObject();
            for (Map.Entry<String, JsonElement> value : values.entrySet()) {
                properties.put(value.getKey(), kuraValue(value.getKey(), value.getValue(), lookup));
            }
            String pid = text(component, "pid", null);
            if (pid == null) {
                throw new IllegalArgumentException("a component without \"pid\"");
            }
            if (component.has("factoryPid")) {
                configuration.instance(component.get("factoryPid").getAsString(), pid, properties);
            } else {
                configuration.singleton(pid, properties);
            }
        }
        return configuration;
    }

    private static Object kuraValue(String key, JsonElement value, UnaryOperator<String> lookup) {
        if (value.isJsonObject() && value.getAsJsonObject().has("password")) {
            return new Password(substitute(value.getAsJsonObject().get("password").getAsString(), lookup));
        }
        if (value.isJsonArray()) {
            List<String> items = new ArrayList<>();
            value.getAsJsonArray().forEach(item -> items.add(substitute(item.getAsString(), lookup)));
            return items.toArray(new String[0]);
        }
        if (value.isJsonPrimitive()) {
            JsonPrimitive primitive = value.getAsJsonPrimitive();
            if (primitive.isBoolean()) {
                return primitive.getAsBoolean();
            }
            if (primitive.isNumber()) {
                BigDecimal number = primitive.getAsBigDecimal();
                if (number.scale() <= 0 || primitive.getAsString().indexOf('.') < 0) {
                    long whole = number.longValueExact();
                    return whole == (int) whole ? (Object) (int) whole : (Object) whole;
                }
                return number.doubleValue();
            }
            return substitute(primitive.getAsString(), lookup);
        }
        throw new IllegalArgumentException(key + ": unsupported value " + value);
    }

    static String substitute(String text, UnaryOperator<String> lookup) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            String replacement = lookup.apply(name);
            if (replacement == null) {
                throw new IllegalArgumentException("no value for ${" + name + "}"
                        + (name.startsWith("env:") ? ": set the environment variable " + name.substring(4) : ""));
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static boolean bool(JsonObject object, String key, boolean fallback) {
        return object.has(key) ? object.get(key).getAsBoolean() : fallback;
    }

    private static int integer(JsonObject object, String key, int fallback) {
        return object.has(key) ? object.get(key).getAsInt() : fallback;
    }

    private static String text(JsonObject object, String key, String fallback) {
        return object.has(key) ? object.get(key).getAsString() : fallback;
    }
}
