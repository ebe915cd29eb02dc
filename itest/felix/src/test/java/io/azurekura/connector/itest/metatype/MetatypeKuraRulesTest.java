package io.azurekura.connector.itest.metatype;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import io.azurekura.connector.itest.metatype.KuraMetatypeRules.Component;
import io.azurekura.connector.itest.runtime.ShippedArtifacts;

/**
 * Every shipped bundle's metatype and DS descriptors follow Kura's rules (docs/kura-conventions.md
 * "Configurable components and metatype"), checked on the built jars
 * (what bnd actually generated), plus handcrafted descriptors proving that each rule bites.
 */
class MetatypeKuraRulesTest {

    private static final String PID = "io.example.Thing";
    private static final Component THING = new Component(PID, PID, "require", 4,
            List.of(KuraMetatypeRules.CONFIGURABLE_COMPONENT), Set.of("KeystoreService"), Set.of());

    @TestFactory
    Stream<DynamicTest> everyShippedBundleFollowsKurasRules() {
        List<Path> jars = ShippedArtifacts.bundleJars();
        assertThat(jars).as("shipped bundles in target/bundles").isNotEmpty();
        return jars.stream().map(jar -> DynamicTest.dynamicTest(jar.getFileName().toString(),
                () -> assertThat(KuraMetatypeRules.checkBundle(jar)).as("Kura rule violations in %s", jar)
                        .isEmpty()));
    }

    @Test
    void theShippedConfigurableComponentsHaveMetatype() {
        long metatypeFiles = ShippedArtifacts.bundleJars().stream()
                .mapToLong(jar -> KuraMetatypeRules.metatypeFiles(jar).size()).sum();
        // the STS client and the token cache at least; guards against checking nothing at all
        assertThat(metatypeFiles).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aMetatypeAsBndWritesItPasses() {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.2.0">
                  <OCD id="io.example.Thing" name="Thing" description="Does things.">
                    <AD id="url" type="String" required="false" name="URL" description="Where." default=""/>
                    <AD id="mode" type="String" name="Mode" description="How." default="A">
                      <Option label="A" value="A"/>
                      <Option label="B" value="B"/>
                    </AD>
                    <AD id="api.secret" type="Password" required="false" name="Secret" description="Key." default=""/>
                    <AD id="hosts" type="String" cardinality="2147483647" name="Hosts" description="Hosts."
                        default="a\\,b,c"/>
                    <AD id="timeout.ms" type="Integer" name="Timeout" description="Wait." default="5000"/>
                    <AD id="KeystoreService.target" type="String" required="false" name="Keystore"
                        description="Which keystore." default="(kura.service.pid=changeme)"/>
                  </OCD>
                  <Designate pid="io.example.Thing">
                    <Object ocdref="io.example.Thing"/>
                  </Designate>
                </metatype:MetaData>
                """;

        assertThat(KuraMetatypeRules.checkMetatype("OSGI-INF/metatype/" + PID + ".xml", xml, Map.of(PID, THING)))
                .isEmpty();
    }

    @Test
    void everyBrokenRuleIsReported() {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <MetaData xmlns="http://www.osgi.org/xmlns/metatype/v1.3.0">
                  <OCD id="io.example.Other" name="" description="">
                    <AD id="letter" type="Character" name="Letter" description="One." default="x"/>
                  </OCD>
                  <OCD id="io.example.Thing" name="Thing" description="">
                    <AD id="letter" type="Character" name="Letter" description="One." default="x"/>
                    <AD id="tags" type="String" cardinality="-2147483648" name="Tags" description="Tags."
                        required="false"/>
                    <AD id="url" type="String" name="" description="" default=""/>
                    <AD id="client.key" type="String" required="false" name="Key" description="The key." default=""/>
                    <AD id="TrustStore.target" type="String" required="false" name="Trust" description="Trust."
                        default="(kura.service.pid=x)"/>
                    <AD id="count" type="Integer" name="Count" description="How many." default="many"/>
                    <AD id="mode" type="String" name="Mode" description="How." default="C">
                      <Option label="A" value="A"/>
                    </AD>
                    <AD id="blob" type="Object" name="Blob" description="Raw." required="false"/>
                  </OCD>
                  <Designate pid="io.example.Thing">
                    <Object ocdref="io.example.Other"/>
                  </Designate>
                </MetaData>
                """;

        List<String> violations = KuraMetatypeRules.checkMetatype("OSGI-INF/metatype/" + PID + ".xml", xml,
                Map.of(PID, THING));

        assertThat(violations).anySatisfy(v -> assertThat(v).contains("OCD " + PID + ": empty description"))
                .anySatisfy(v -> assertThat(v).contains("AD letter: type Character"))
                .anySatisfy(v -> assertThat(v).contains("AD tags: cardinality MIN_VALUE"))
                .anySatisfy(v -> assertThat(v).contains("AD url: empty name"))
                .anySatisfy(v -> assertThat(v).contains("AD url: empty description"))
                .anySatisfy(v -> assertThat(v).contains("AD url: empty default but required"))
                .anySatisfy(v -> assertThat(v).contains("AD client.key: looks like a secret"))
                .anySatisfy(v -> assertThat(v).contains("AD TrustStore.target: Kura's target picker needs a DS "
                        + "reference named 'TrustStore'"))
                .anySatisfy(v -> assertThat(v).contains("AD count: default 'many' is not a valid Integer"))
                .anySatisfy(v -> assertThat(v).contains("AD mode: default 'C' is not one of its options"))
                .anySatisfy(v -> assertThat(v).contains("AD blob: type 'Object' is not one of Kura's"))
                .anySatisfy(v -> assertThat(v).contains("must refer to <Object ocdref=\"" + PID + "\">"));
    }

    @Test
    void fileNameOcdIdDesignateAndComponentNameMustAgree() {
        String xml = """
                <MetaData>
                  <OCD id="io.example.Thing" name="Thing" description="Does things."/>
                  <Designate factoryPid="io.example.Thing"><Object ocdref="io.example.Thing"/></Designate>
                </MetaData>
                """;

        assertThat(KuraMetatypeRules.checkMetatype("OSGI-INF/metatype/io.example.Renamed.xml", xml,
                Map.of(PID, THING)))
                .anySatisfy(v -> assertThat(v).contains("no <OCD id=\"io.example.Renamed\">"))
                .anySatisfy(v -> assertThat(v).contains("no DS component named io.example.Renamed"))
                .anySatisfy(v -> assertThat(v).contains("no <Designate pid=\"io.example.Renamed\">"));
        // a factory Designate is fine when everything else agrees
        assertThat(KuraMetatypeRules.checkMetatype("OSGI-INF/metatype/" + PID + ".xml", xml, Map.of(PID, THING)))
                .isEmpty();
    }

    @Test
    void prefixedChildrenAreInvisibleToKura() {
        String xml = """
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.2.0">
                  <metatype:OCD id="io.example.Thing" name="Thing" description="Does things."/>
                  <metatype:Designate pid="io.example.Thing"><Object ocdref="io.example.Thing"/></metatype:Designate>
                </metatype:MetaData>
                """;

        assertThat(KuraMetatypeRules.checkMetatype("OSGI-INF/metatype/" + PID + ".xml", xml, Map.of(PID, THING)))
                .anySatisfy(v -> assertThat(v).contains("prefixed element <metatype:OCD>"))
                .anySatisfy(v -> assertThat(v).contains("no <OCD id=\"" + PID + "\">"))
                .anySatisfy(v -> assertThat(v).contains("no <Designate pid=\"" + PID + "\">"));
    }

    @Test
    void configurableComponentsNeedMetatypeRequirePolicyAndNoDeclaredServicePid() {
        List<Component> components = KuraMetatypeRules.parseComponents("""
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.4.0" name="io.example.Thing"
                    immediate="true">
                  <property name="service.pid" type="String" value="io.example.Thing"/>
                  <service>
                    <provide interface="org.eclipse.kura.configuration.ConfigurableComponent"/>
                  </service>
                  <reference name="KeystoreService" interface="org.eclipse.kura.security.keystore.KeystoreService"/>
                  <implementation class="io.example.Thing"/>
                </scr:component>
                """);

        assertThat(components).singleElement().satisfies(c -> {
            assertThat(c.dsMinor()).isEqualTo(4);
            assertThat(c.references()).containsExactly("KeystoreService");
            assertThat(KuraMetatypeRules.checkComponent(c, Set.of()))
                    .anySatisfy(v -> assertThat(v).contains("without OSGI-INF/metatype/io.example.Thing.xml"))
                    .anySatisfy(v -> assertThat(v).contains("configuration-policy is optional"))
                    .anySatisfy(v -> assertThat(v).contains("declares a service.pid property"));
        });
    }
}
