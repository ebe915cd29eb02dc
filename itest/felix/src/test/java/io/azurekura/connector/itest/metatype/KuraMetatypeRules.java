package io.azurekura.connector.itest.metatype;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The rules a bundle's metatype and DS descriptors must follow for Kura's ConfigurationService and web console to
 * show and configure its components (docs/kura-conventions.md "Configurable components and metatype"). Every check
 * returns readable violations instead of failing
 * fast, so one run lists everything wrong with a bundle.
 */
public final class KuraMetatypeRules {

    /** Kura's {@code Tscalar.fromValue}: anything else (e.g. bnd's {@code Character}) throws and drops the file. */
    public static final Set<String> KURA_TYPES = Set.of("String", "Long", "Double", "Float", "Integer", "Byte",
            "Char", "Boolean", "Short", "Password");

    static final String CONFIGURABLE_COMPONENT = "org.eclipse.kura.configuration.ConfigurableComponent";
    private static final String METATYPE_DIR = "OSGI-INF/metatype/";
    private static final Pattern SECRET_LIKE = Pattern.compile("secret|password|key");
    private static final Pattern DS_NAMESPACE_VERSION = Pattern.compile("/scr/v(\\d+)\\.(\\d+)");

    private KuraMetatypeRules() {
    }

    /** What the rules need from a DS component description ({@code OSGI-INF/*.xml}). */
    public record Component(String name, String configurationPid, String configurationPolicy, int dsMinor,
            List<String> provides, Set<String> references, Set<String> propertyNames) {

        boolean isConfigurable() {
            return this.provides.contains(CONFIGURABLE_COMPONENT);
        }
    }

    // ---- whole bundles

    /** Every violation in a bundle jar: its metatype files, its configurable components, its manifest. */
    public static List<String> checkBundle(Path jar) {
        List<String> violations = new ArrayList<>();
        Map<String, String> metatypes = new LinkedHashMap<>();
        Map<String, Component> components = new LinkedHashMap<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                String name = entry.getName();
                if (name.startsWith(METATYPE_DIR) && name.endsWith(".xml")) {
                    metatypes.put(name, read(file, entry));
                } else if (name.startsWith("OSGI-INF/") && name.indexOf('/', "OSGI-INF/".length()) < 0
                        && name.endsWith(".xml")) {
                    for (Component component : parseComponents(read(file, entry))) {
                        components.put(component.name(), component);
                    }
                }
            }
            String activationPolicy = file.getManifest().getMainAttributes().getValue("Bundle-ActivationPolicy");
            if (activationPolicy != null && activationPolicy.trim().startsWith("lazy")) {
                violations.add(jar.getFileName() + ": Bundle-ActivationPolicy lazy: Kura reads metatype only from "
                        + "ACTIVE bundles");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
        metatypes.forEach((name, xml) -> violations.addAll(checkMetatype(name, xml, components)));
        for (Component component : components.values()) {
            violations.addAll(checkComponent(component, metatypes.keySet()));
        }
        return violations;
    }

    /** Names of the metatype files in a bundle jar. */
    public static List<String> metatypeFiles(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            return Collections.list(file.entries()).stream().map(JarEntry::getName)
                    .filter(n -> n.startsWith(METATYPE_DIR) && n.endsWith(".xml")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }

    // ---- DS components

    /** Rules for one DS component, given the metatype files present in its bundle. */
    public static List<String> checkComponent(Component component, Set<String> metatypeFiles) {
        List<String> violations = new ArrayList<>();
        String where = "component " + component.name() + ": ";
        if (component.isConfigurable()) {
            if (!metatypeFiles.contains(METATYPE_DIR + component.name() + ".xml")) {
                violations.add(where + "is a ConfigurableComponent without " + METATYPE_DIR + component.name()
                        + ".xml: Kura's console would not show it");
            }
            if (!"require".equals(component.configurationPolicy())) {
                violations.add(where + "configuration-policy is " + component.configurationPolicy()
                        + ", not require: it would run unconfigured before Kura seeds its defaults");
            }
        }
        if (component.dsMinor() >= 3 && component.propertyNames().contains("service.pid")) {
            // Felix SCR 2.1.16 (Kura's) then publishes service.pid as the list [declared, configured]; Kura's
            // ConfigurationService turns that into the PID "[pid, pid]" and reads and writes the wrong configuration.
            violations.add(where + "declares a service.pid property in a DS 1." + component.dsMinor()
                    + " descriptor: SCR 2.1.16 then publishes service.pid as a list and Kura loses the component's "
                    + "configuration; ConfigAdmin already sets service.pid");
        }
        return violations;
    }

    /** The components of one DS descriptor (a single component or a {@code components} wrapper). */
    public static List<Component> parseComponents(String xml) {
        Document document = parse(xml, true);
        List<Component> components = new ArrayList<>();
        NodeList elements = document.getElementsByTagNameNS("*", "component");
        if (elements.getLength() == 0) {
            elements = document.getElementsByTagName("component");
        }
        for (int i = 0; i < elements.getLength(); i++) {
            Element element = (Element) elements.item(i);
            String namespace = element.getNamespaceURI() == null ? "" : element.getNamespaceURI();
            Matcher version = DS_NAMESPACE_VERSION.matcher(namespace);
            int minor = version.find() ? Integer.parseInt(version.group(2)) : 0;
            List<String> provides = new ArrayList<>();
            Set<String> references = new LinkedHashSet<>();
            Set<String> properties = new LinkedHashSet<>();
            for (Element child : children(element, null)) {
                switch (localName(child)) {
                case "service":
                    for (Element provide : children(child, "provide")) {
                        provides.add(provide.getAttribute("interface"));
                    }
                    break;
                case "reference":
                    references.add(child.hasAttribute("name") ? child.getAttribute("name")
                            : child.getAttribute("interface"));
                    break;
                case "property":
                    properties.add(child.getAttribute("name"));
                    break;
                default:
                    break;
                }
            }
            String name = element.getAttribute("name");
            String pid = element.hasAttribute("configuration-pid") ? element.getAttribute("configuration-pid")
                    : name;
            String policy = element.hasAttribute("configuration-policy")
                    ? element.getAttribute("configuration-policy")
                    : "optional";
            components.add(new Component(name, pid, policy, minor, provides, references, properties));
        }
        return components;
    }

    // ---- metatype files

    /**
     * Rules for one metatype file, read the way Kura reads it: a non-namespace-aware DOM matching the exact node
     * names {@code OCD}, {@code AD} and {@code Designate}.
     *
     * @param entryName the file's path in the bundle, e.g. {@code OSGI-INF/metatype/a.b.C.xml}
     * @param components the bundle's DS components by name
     */
    public static List<String> checkMetatype(String entryName, String xml, Map<String, Component> components) {
        String fileName = entryName.substring(entryName.lastIndexOf('/') + 1);
        String pid = fileName.endsWith(".xml") ? fileName.substring(0, fileName.length() - 4) : fileName;
        String where = entryName + ": ";
        List<String> violations = new ArrayList<>();
        Document document;
        try {
            document = parse(xml, false);
        } catch (IllegalArgumentException e) {
            violations.add(where + "not well-formed XML: " + e.getMessage());
            return violations;
        }
        Element root = document.getDocumentElement();
        for (Element child : children(root, null)) {
            String nodeName = child.getNodeName();
            if (nodeName.endsWith(":OCD") || nodeName.endsWith(":Designate")) {
                violations.add(where + "prefixed element <" + nodeName + ">: Kura's parser matches unprefixed "
                        + "OCD/Designate only and skips it");
            }
        }

        List<Element> ocds = children(root, "OCD");
        Element ocd = ocds.stream().filter(o -> pid.equals(o.getAttribute("id"))).findFirst().orElse(null);
        if (ocd == null) {
            violations.add(where + "no <OCD id=\"" + pid + "\">: Kura requires OCD id == file name == PID (found "
                    + ocds.stream().map(o -> o.getAttribute("id")).toList() + ")");
        }

        Component component = components.get(pid);
        if (component == null) {
            violations.add(where + "no DS component named " + pid + " in this bundle: Kura requires the metatype "
                    + "file to be named after the component");
        } else if (!pid.equals(component.configurationPid())) {
            violations.add(where + "component " + pid + " takes its configuration from PID "
                    + component.configurationPid() + ", not " + pid);
        }

        checkDesignate(where, pid, root, violations);
        if (ocd != null) {
            requireText(where + "OCD " + pid, ocd, "name", violations);
            requireText(where + "OCD " + pid, ocd, "description", violations);
            for (Element child : children(ocd, null)) {
                if (child.getNodeName().endsWith(":AD")) {
                    violations.add(where + "prefixed element <" + child.getNodeName() + ">: Kura skips it");
                }
            }
            for (Element ad : children(ocd, "AD")) {
                checkAttribute(where, ad, component, violations);
            }
        }
        return violations;
    }

    private static void checkDesignate(String where, String pid, Element root, List<String> violations) {
        List<Element> designates = children(root, "Designate");
        Element designate = designates.stream()
                .filter(d -> pid.equals(d.getAttribute("pid")) || pid.equals(d.getAttribute("factoryPid")))
                .findFirst().orElse(null);
        if (designate == null) {
            violations.add(where + "no <Designate pid=\"" + pid + "\"> or factoryPid=\"" + pid + "\"");
            return;
        }
        List<Element> objects = children(designate, "Object");
        if (objects.isEmpty() || !pid.equals(objects.get(0).getAttribute("ocdref"))) {
            violations.add(where + "the Designate of " + pid + " must refer to <Object ocdref=\"" + pid + "\">");
        }
    }

    private static void checkAttribute(String where, Element ad, Component component, List<String> violations) {
        String id = ad.getAttribute("id");
        String at = where + "AD " + (id.isEmpty() ? "(no id)" : id) + ": ";
        if (id.isEmpty()) {
            violations.add(at + "has no id");
        }
        String type = ad.getAttribute("type");
        if ("Character".equals(type)) {
            violations.add(at + "type Character: Kura knows only Char and drops the whole file (use String)");
        } else if (!KURA_TYPES.contains(type)) {
            violations.add(at + "type '" + type + "' is not one of Kura's " + KURA_TYPES);
        }
        int cardinality = 0;
        if (ad.hasAttribute("cardinality")) {
            try {
                cardinality = Integer.parseInt(ad.getAttribute("cardinality").trim());
            } catch (NumberFormatException e) {
                violations.add(at + "cardinality '" + ad.getAttribute("cardinality") + "' is not a number");
            }
        }
        if (cardinality == Integer.MIN_VALUE) {
            violations.add(at + "cardinality MIN_VALUE (a List/Collection): Kura's console shows no field for it");
        }
        requireText(at.substring(0, at.length() - 2), ad, "name", violations);
        requireText(at.substring(0, at.length() - 2), ad, "description", violations);

        String lowerId = id.toLowerCase(Locale.ROOT);
        if (lowerId.endsWith(".target")) {
            String reference = id.substring(0, id.length() - ".target".length());
            if (component != null && !component.references().contains(reference)) {
                violations.add(at + "Kura's target picker needs a DS reference named '" + reference + "', but the "
                        + "component has " + component.references());
            }
        } else if (SECRET_LIKE.matcher(lowerId).find() && !"Password".equals(type)) {
            violations.add(at + "looks like a secret but is typed " + type + ": use Password so Kura encrypts and "
                    + "masks it");
        }

        boolean required = !"false".equals(ad.getAttribute("required").trim());
        String defaultValue = ad.hasAttribute("default") ? ad.getAttribute("default") : null;
        boolean emptyDefault = defaultValue == null || defaultValue.isEmpty();
        if (required && emptyDefault) {
            // Kura drops empty defaults, then its updateConfiguration refuses every update of the component
            // (CONFIGURATION_REQUIRED_ATTRIBUTE_MISSING) until the user fills the field in
            violations.add(at + "empty default but required (the default when 'required' is missing): Kura "
                    + "refuses every update that leaves it empty; set required=\"false\"");
        }
        if (!emptyDefault && KURA_TYPES.contains(type)) {
            for (String value : splitDefault(defaultValue)) {
                if (!parses(type, value)) {
                    violations.add(at + "default '" + value + "' is not a valid " + type);
                }
            }
            List<String> options = children(ad, "Option").stream().map(o -> o.getAttribute("value")).toList();
            if (!options.isEmpty() && Math.abs(cardinality) <= 1 && !options.contains(defaultValue)) {
                violations.add(at + "default '" + defaultValue + "' is not one of its options " + options);
            }
        }
    }

    private static void requireText(String what, Element element, String attribute, List<String> violations) {
        if (element.getAttribute(attribute).trim().isEmpty()) {
            violations.add(what + ": empty " + attribute + " (Kura's console shows it to the user)");
        }
    }

    /** Kura splits defaults on ',' with '\' escapes, as bnd writes them. */
    static List<String> splitDefault(String value) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                current.append(value.charAt(++i));
            } else if (c == ',') {
                parts.add(current.toString().trim());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString().trim());
        return parts;
    }

    private static boolean parses(String type, String value) {
        try {
            switch (type) {
            case "Long":
                Long.parseLong(value);
                return true;
            case "Integer":
                Integer.parseInt(value);
                return true;
            case "Short":
                Short.parseShort(value);
                return true;
            case "Byte":
                Byte.parseByte(value);
                return true;
            case "Double":
                Double.parseDouble(value);
                return true;
            case "Float":
                Float.parseFloat(value);
                return true;
            case "Boolean":
                return "true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value);
            case "Char":
                return value.length() == 1;
            default:
                return true;
            }
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ---- XML

    private static Document parse(String xml, boolean namespaceAware) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(namespaceAware);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Element children with exactly this node name (null: all). */
    private static List<Element> children(Element parent, String nodeName) {
        List<Element> result = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && (nodeName == null || nodeName.equals(element.getNodeName()))) {
                result.add(element);
            }
        }
        return result;
    }

    private static String localName(Element element) {
        return element.getLocalName() != null ? element.getLocalName() : element.getNodeName();
    }

    private static String read(JarFile file, JarEntry entry) throws IOException {
        return new String(file.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
    }
}
