package io.azurekura.connector.cloud.publisher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.azurekura.connector.cloud.message.BodyEncoding;
import io.azurekura.connector.cloud.message.PublishOptions;
import io.azurekura.connector.common.kura.ConfigurationReader;

/** Reads a publisher's configuration into {@link PublishOptions}; bad values are reported, never thrown. */
final class PublisherSettings {

    private PublisherSettings() {
    }

    static PublishOptions read(Map<String, Object> properties) {
        ConfigurationReader reader = new ConfigurationReader(properties);
        BodyEncoding encoding = reader.choice("body.encoding", BodyEncoding.class, BodyEncoding.JSON);
        String contentType = reader.string("content.type", "");
        String contentEncoding = reader.string("content.encoding", "");
        List<String> problems = new ArrayList<>(reader.problems());
        Map<String, String> applicationProperties = PublishOptions
                .parseApplicationProperties(reader.string("application.properties", ""), problems);
        return new PublishOptions(encoding, contentType, contentEncoding, applicationProperties, problems);
    }
}
