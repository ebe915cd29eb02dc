package io.azurekura.connector.testsupport.hub;

import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The desired and reported property sections of one identity's twin, with their {@code $version}s. Patches merge
 * as IoT Hub documents: objects merge recursively, {@code null} deletes a key. Used from the event loop only.
 */
final class TwinDocument {

    private final JsonObject desired = new JsonObject();
    private final JsonObject reported = new JsonObject();
    private long desiredVersion = 1;
    private long reportedVersion = 1;

    /** The body of a twin GET response: {@code {"desired":{...,"$version":n},"reported":{...,"$version":m}}}. */
    String toJson() {
        JsonObject document = new JsonObject();
        document.add("desired", withVersion(this.desired, this.desiredVersion));
        document.add("reported", withVersion(this.reported, this.reportedVersion));
        return document.toString();
    }

    String reportedJson() {
        return withVersion(this.reported, this.reportedVersion).toString();
    }

    /** @throws IllegalArgumentException when the patch is not a JSON object */
    long patchReported(String json) {
        merge(this.reported, parseObject(json));
        return ++this.reportedVersion;
    }

    /** @return the patch as published to the device, with its new {@code $version} */
    String patchDesired(String json) {
        JsonObject patch = parseObject(json);
        merge(this.desired, patch);
        this.desiredVersion++;
        return withVersion(patch, this.desiredVersion).toString();
    }

    long desiredVersion() {
        return this.desiredVersion;
    }

    private static JsonObject parseObject(String json) {
        try {
            JsonElement element = JsonParser.parseString(json);
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("a twin patch must be a JSON object");
            }
            return element.getAsJsonObject();
        } catch (com.google.gson.JsonParseException e) {
            throw new IllegalArgumentException("a twin patch must be a JSON object", e);
        }
    }

    private static JsonObject withVersion(JsonObject section, long version) {
        JsonObject copy = section.deepCopy();
        copy.addProperty(IotHubMqttTopics.VERSION, version);
        return copy;
    }

    private static void merge(JsonObject target, JsonObject patch) {
        for (Map.Entry<String, JsonElement> entry : patch.entrySet()) {
            String key = entry.getKey();
            JsonElement value = entry.getValue();
            if (key.equals(IotHubMqttTopics.VERSION)) {
                continue;
            }
            if (value.isJsonNull()) {
                target.remove(key);
            } else if (value.isJsonObject() && target.has(key) && target.get(key).isJsonObject()) {
                merge(target.getAsJsonObject(key), value.getAsJsonObject());
            } else {
                target.add(key, value.deepCopy());
            }
        }
    }
}
