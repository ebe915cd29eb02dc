package io.azurekura.connector.testsupport.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HubPropertyBagTest {

    @Test
    void parsesTheBagTheSdkWrites() {
        // as observed from iot-device-client 2.5.0 (docs/iot-hub-mqtt.md "Telemetry")
        PropertyBag bag = PropertyBag.parse("$.mid=6f1c&$.cid=42&$.cdid=dev1&$.ct=application%2Fjson&$.ce=utf-8"
                + "&k%201=v%2F2&plus=a+b&unicode=%C2%B0C");

        assertThat(bag.systemProperties()).containsExactly(Map.entry("$.mid", "6f1c"), Map.entry("$.cid", "42"),
                Map.entry("$.cdid", "dev1"), Map.entry("$.ct", "application/json"), Map.entry("$.ce", "utf-8"));
        assertThat(bag.applicationProperties()).containsExactly(Map.entry("k 1", "v/2"), Map.entry("plus", "a+b"),
                Map.entry("unicode", "\u00b0C"));
    }

    @Test
    void acceptsEncodedSystemKeysAndTheModuleTrailingSlash() {
        PropertyBag bag = PropertyBag.parse("%24.mid=m1&app=x/");

        assertThat(bag.systemProperties()).containsExactly(Map.entry("$.mid", "m1"));
        assertThat(bag.applicationProperties()).containsExactly(Map.entry("app", "x"));
    }

    @Test
    void emptyBagHasNoProperties() {
        assertThat(PropertyBag.parse("").systemProperties()).isEmpty();
        assertThat(PropertyBag.parse("/").applicationProperties()).isEmpty();
    }

    @Test
    void refusesBrokenEscapes() {
        assertThatThrownBy(() -> PropertyBag.parse("a=%G1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PropertyBag.parse("a=%4")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void formatsSystemKeysFirstWithEncodedDollar() {
        Map<String, String> system = new LinkedHashMap<>();
        system.put("$.mid", "m 1");
        system.put("$.to", "/devices/dev1/messages/deviceBound");
        Map<String, String> application = new LinkedHashMap<>();
        application.put("color", "dark blue");
        application.put("a=b", "c&d");

        String text = PropertyBag.format(system, application);

        assertThat(text).isEqualTo("%24.mid=m%201&%24.to=%2Fdevices%2Fdev1%2Fmessages%2FdeviceBound"
                + "&color=dark%20blue&a%3Db=c%26d");
        PropertyBag back = PropertyBag.parse(text);
        assertThat(back.systemProperties()).isEqualTo(system);
        assertThat(back.applicationProperties()).isEqualTo(application);
    }
}
