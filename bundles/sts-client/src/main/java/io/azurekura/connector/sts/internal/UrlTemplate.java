package io.azurekura.connector.sts.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.azurekura.connector.api.token.TokenScope;

/**
 * A token server URL with placeholders, e.g. {@code https://sts.example.com/token?sr={audience}} (Microsoft's
 * contract) or {@code https://sts/devices/{deviceId}/token}. Every substituted value is URL-encoded.
 */
public final class UrlTemplate {

    /** The placeholders a template may use. */
    public static final String AUDIENCE = "audience";
    public static final String HUB_HOST = "hubHost";
    public static final String DEVICE_ID = "deviceId";
    public static final String MODULE_ID = "moduleId";
    public static final String ID_SCOPE = "idScope";
    public static final String REGISTRATION_ID = "registrationId";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z]+)\\}");
    private static final java.util.Set<String> KNOWN = java.util.Set.of(AUDIENCE, HUB_HOST, DEVICE_ID, MODULE_ID,
            ID_SCOPE, REGISTRATION_ID);

    private final String template;

    private UrlTemplate(String template) {
        this.template = template;
    }

    /**
     * @throws IllegalArgumentException with a message a Kura user can act on
     */
    public static UrlTemplate parse(String template, boolean allowInsecureHttp) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("the token server URL is empty");
        }
        Matcher matcher = PLACEHOLDER.matcher(template);
        while (matcher.find()) {
            if (!KNOWN.contains(matcher.group(1))) {
                throw new IllegalArgumentException("unknown placeholder {" + matcher.group(1) + "} in the token "
                        + "server URL; known: " + KNOWN);
            }
        }
        URI sample;
        try {
            sample = new URI(PLACEHOLDER.matcher(template.trim()).replaceAll("x"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the token server URL is not a valid URL: " + e.getReason());
        }
        String scheme = sample.getScheme() == null ? "" : sample.getScheme().toLowerCase(Locale.ROOT);
        if (sample.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("the token server URL must be an absolute https:// URL");
        }
        if (scheme.equals("http") && !allowInsecureHttp && !isLoopback(sample.getHost())) {
            throw new IllegalArgumentException("plain http to a non-loopback token server is refused; use https "
                    + "or explicitly allow insecure http");
        }
        return new UrlTemplate(template.trim());
    }

    static boolean isLoopback(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        // Only literal addresses: resolving a name here would make the check depend on DNS.
        if (!host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?")) {
            return false;
        }
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public URI expand(TokenScope scope) {
        Map<String, String> values = new java.util.HashMap<>();
        values.put(AUDIENCE, scope.resourceUri());
        values.put(HUB_HOST, scope.hubHost());
        values.put(DEVICE_ID, scope.deviceId());
        values.put(MODULE_ID, scope.moduleId());
        values.put(ID_SCOPE, scope.idScope());
        values.put(REGISTRATION_ID, scope.registrationId());
        Matcher matcher = PLACEHOLDER.matcher(this.template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            String encoded = value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
            matcher.appendReplacement(out, Matcher.quoteReplacement(encoded));
        }
        matcher.appendTail(out);
        return URI.create(out.toString());
    }

    @Override
    public String toString() {
        return this.template;
    }
}
