package io.azurekura.connector.dps.wire;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where DPS is: {@code host}, {@code host:port}, or an {@code https://} URL (the global endpoint, a regional one, or
 * an emulator). Plain {@code http://} is accepted only to this machine unless explicitly allowed, because the
 * registration token would otherwise cross the network in clear text.
 */
public final class GlobalEndpoint {

    private final URI base;

    private GlobalEndpoint(URI base) {
        this.base = base;
    }

    /** @throws IllegalArgumentException with a message a Kura user understands */
    public static GlobalEndpoint parse(String text, boolean allowInsecureHttp) {
        String value = text == null ? "" : text.trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("the DPS global endpoint is empty");
        }
        String scheme = "https";
        String authority = value;
        int sep = value.indexOf("://");
        if (sep >= 0) {
            scheme = value.substring(0, sep).toLowerCase(Locale.ROOT);
            authority = value.substring(sep + 3);
            if (authority.endsWith("/")) {
                authority = authority.substring(0, authority.length() - 1);
            }
        }
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new IllegalArgumentException("the DPS global endpoint must be host[:port] or an https:// URL");
        }
        if (authority.isEmpty() || authority.contains("/") || authority.contains("?") || authority.contains("@")
                || authority.contains("#")) {
            throw new IllegalArgumentException("the DPS global endpoint must be host[:port] without a path, not '"
                    + value + "'");
        }
        URI uri;
        try {
            uri = new URI(scheme + "://" + authority);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the DPS global endpoint '" + value + "' is not a valid host[:port]");
        }
        if (uri.getHost() == null || (authority.contains(":") && !authority.startsWith("[") && uri.getPort() < 0)) {
            throw new IllegalArgumentException("the DPS global endpoint '" + value + "' is not a valid host[:port]");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("the DPS global endpoint's port must be 1-65535");
        }
        if ("http".equals(scheme) && !allowInsecureHttp && !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("plain http:// to DPS is only allowed to this machine; registration "
                    + "tokens would travel unencrypted (set dps.allow.insecure.http to allow it anyway)");
        }
        return new GlobalEndpoint(uri);
    }

    private static boolean isLoopback(String host) {
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if ("localhost".equalsIgnoreCase(bare)) {
            return true;
        }
        // Only literal addresses: a name must not be resolved (DNS could answer anything).
        if (!bare.matches("[0-9.]+") && !bare.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code scheme://host[:port]}, without a trailing slash. */
    public URI base() {
        return this.base;
    }

    public boolean isHttps() {
        return "https".equals(this.base.getScheme());
    }

    @Override
    public String toString() {
        return this.base.toString();
    }
}
