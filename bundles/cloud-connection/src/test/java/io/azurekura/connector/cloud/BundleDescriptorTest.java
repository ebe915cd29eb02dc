package io.azurekura.connector.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Manifest;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Checks what bnd wrote into target/classes (process-classes runs before the tests): the descriptions Kura's web
 * console reads to find this connection type, and the imports.
 */
class BundleDescriptorTest {

    private static final Path CLASSES = Path.of("target", "classes");
    /** Gson comes from Kura's own bundle (docs/kura-conventions.md "Libraries Kura ships"). */
    private static final List<String> ALLOWED_IMPORTS = List.of("org.osgi.", "org.eclipse.kura", "org.slf4j",
            "javax.", "io.azurekura.connector.api.", "com.google.gson");

    /** A component description: its DS namespace and its declared properties. */
    private record Description(String namespace, Map<String, String> properties, List<String> provides) {
    }

    private static Description description(String name) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document document = factory.newDocumentBuilder().parse(CLASSES.resolve("OSGI-INF/" + name + ".xml").toFile());
        Element component = document.getDocumentElement();
        Map<String, String> properties = new LinkedHashMap<>();
        NodeList nodes = component.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element property = (Element) nodes.item(i);
            properties.put(property.getAttribute("name"), property.getAttribute("value"));
        }
        List<String> provides = new ArrayList<>();
        NodeList provided = component.getElementsByTagName("provide");
        for (int i = 0; i < provided.getLength(); i++) {
            provides.add(((Element) provided.item(i)).getAttribute("interface"));
        }
        return new Description(component.getNamespaceURI(), properties, provides);
    }

    @Test
    void publisherAndSubscriberFactoriesAreFoundByKurasUiAndKeepAPlainServicePid() throws Exception {
        for (String pid : List.of(CloudComponents.PUBLISHER_FACTORY_PID, CloudComponents.SUBSCRIBER_FACTORY_PID)) {
            Description description = description(pid);

            // Kura's UI: service.pid = factory pid, grouped by cloud.connection.factory.pid; hidden elsewhere
            assertThat(description.properties()).containsEntry("service.pid", pid)
                    .containsEntry("cloud.connection.factory.pid", CloudComponents.ENDPOINT_FACTORY_PID)
                    .containsEntry("kura.ui.service.hide", "true").containsEntry("kura.ui.factory.hide", "true");
            // A declared service.pid in a DS 1.3+ description becomes a list under Felix SCR 2.1.16
            assertThat(description.namespace()).as(pid).isIn("http://www.osgi.org/xmlns/scr/v1.1.0",
                    "http://www.osgi.org/xmlns/scr/v1.2.0");
        }
    }

    @Test
    void theConnectionFactoryCarriesKurasNewConnectionDialogProperties() throws Exception {
        Description description = description(CloudComponents.CONNECTION_FACTORY_PID);

        assertThat(description.provides()).containsExactly(
                "org.eclipse.kura.cloudconnection.factory.CloudConnectionFactory");
        assertThat(description.properties()).containsEntry("service.pid", CloudComponents.CONNECTION_FACTORY_PID)
                .containsEntry("kura.ui.csf.pid.default", CloudComponents.DEFAULT_ENDPOINT_PID)
                .containsEntry("kura.ui.csf.pid.regex", CloudComponents.ENDPOINT_PID_REGEX);
        assertThat(CloudComponents.DEFAULT_ENDPOINT_PID).matches(CloudComponents.ENDPOINT_PID_REGEX);
        assertThat(description.namespace()).isIn("http://www.osgi.org/xmlns/scr/v1.1.0",
                "http://www.osgi.org/xmlns/scr/v1.2.0");
    }

    @Test
    void theEndpointIsAHiddenConnectionManager() throws Exception {
        Description description = description(CloudComponents.ENDPOINT_FACTORY_PID);

        assertThat(description.provides()).contains("org.eclipse.kura.cloudconnection.CloudEndpoint",
                "org.eclipse.kura.cloudconnection.CloudConnectionManager",
                "org.eclipse.kura.configuration.ConfigurableComponent");
        assertThat(description.properties()).containsEntry("kura.ui.service.hide", "true")
                .containsEntry("kura.ui.factory.hide", "true").doesNotContainKey("service.pid");
    }

    @Test
    void importsOnlyWhatKuraProvidesAtKurasVersions() throws Exception {
        Manifest manifest;
        try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
        String imports = manifest.getMainAttributes().getValue("Import-Package");

        List<String> clauses = List.of(imports.split(",(?=[a-z])"));
        assertThat(clauses).allSatisfy(c -> assertThat(ALLOWED_IMPORTS).anyMatch(c::startsWith));
        // Interfaces we implement (provider types) pin the minor version, as Kura's own bundles do
        assertThat(clauses).contains("org.eclipse.kura.cloudconnection;version=\"[1.0,1.1)\"",
                "org.eclipse.kura.cloudconnection.publisher;version=\"[1.0,1.1)\"",
                "org.eclipse.kura.message;version=\"[1.4,2)\"",
                "com.google.gson.stream;version=\"[2.9,3)\"");
        assertThat(manifest.getMainAttributes().getValue("Export-Package")).isNull();
    }
}
