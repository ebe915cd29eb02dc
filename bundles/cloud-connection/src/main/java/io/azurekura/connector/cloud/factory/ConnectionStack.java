package io.azurekura.connector.cloud.factory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.azurekura.connector.cloud.CloudComponents;

/**
 * The components of one cloud connection and how they are linked, derived from the connection's pid alone (so the
 * factory needs no state): the endpoint {@code <prefix>.CloudEndpoint[-s]}, its hub connection
 * {@code <prefix>.HubConnection[-s]} and a DPS provisioner {@code <prefix>.DpsProvisioner[-s]}. The provisioner is
 * always created, so switching the hub connection's identity source to DPS needs nothing but its configuration; with
 * a static identity it stays idle (it makes no DPS call without an ID scope).
 */
public final class ConnectionStack {

    public static final Pattern ENDPOINT_PID = Pattern.compile(CloudComponents.ENDPOINT_PID_REGEX);

    private final String endpointPid;
    private final String suffix;

    private ConnectionStack(String endpointPid, String suffix) {
        this.endpointPid = endpointPid;
        this.suffix = suffix;
    }

    /** The stack of connection {@code endpointPid}, or empty when the pid is not one this factory makes. */
    public static Optional<ConnectionStack> of(String endpointPid) {
        if (endpointPid == null) {
            return Optional.empty();
        }
        Matcher matcher = ENDPOINT_PID.matcher(endpointPid);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ConnectionStack(endpointPid, matcher.group(1) == null ? "" : matcher.group(1)));
    }

    public String endpointPid() {
        return this.endpointPid;
    }

    public String hubConnectionPid() {
        return CloudComponents.HUB_CONNECTION_PID_PREFIX + this.suffix;
    }

    public String provisionerPid() {
        return CloudComponents.PROVISIONER_PID_PREFIX + this.suffix;
    }

    /** Every component's {@code kura.service.pid}, endpoint first: the connection's configuration tabs. */
    public List<String> pids() {
        return List.of(this.endpointPid, hubConnectionPid(), provisionerPid());
    }

    /** The endpoint: tied to this factory and to the stack's hub connection. */
    public Map<String, Object> endpointProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("kura.cloud.connection.factory.pid", CloudComponents.CONNECTION_FACTORY_PID);
        properties.put("HubConnection.target", pidFilter(hubConnectionPid()));
        return properties;
    }

    /**
     * The hub connection: its tokens come through the endpoint's gate (so Connect/Disconnect start and stop it),
     * its DPS identity from the stack's provisioner.
     */
    public Map<String, Object> hubConnectionProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("SasTokenCache.target",
                "(" + CloudComponents.GATE_ENDPOINT_PROPERTY + "=" + escape(this.endpointPid) + ")");
        properties.put("DeviceProvisioner.target", pidFilter(provisionerPid()));
        return properties;
    }

    /**
     * The DPS provisioner uses the real token cache: DPS registration is not part of being connected. Its
     * reference has no target attribute in its metatype, so the filter is set here, where it cannot select a gate.
     */
    public Map<String, Object> provisionerProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("SasTokenCache.target", CloudComponents.TOKEN_CACHE_FILTER);
        return properties;
    }

    private static String pidFilter(String pid) {
        return "(" + CloudComponents.KURA_SERVICE_PID + "=" + escape(pid) + ")";
    }

    private static String escape(String value) {
        // The pid pattern admits no filter metacharacters; escaping keeps a filter valid whatever it becomes
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }
}
