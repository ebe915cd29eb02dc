package io.azurekura.connector.dps.provisioning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.azurekura.connector.api.token.IdentityIds;
import io.azurekura.connector.dps.wire.DpsProtocol;
import io.azurekura.connector.dps.wire.UntrustedText;

/**
 * Which IoT Hub a DPS answer (or the saved copy of one) may send this device to. The assigned hub is where the
 * device will present its credentials, so it must be a plain DNS host name (no port, path, user info, query or
 * fragment) under one of the allowed suffixes, matched at a label boundary ({@code evil-azure-devices.net} does not
 * match {@code azure-devices.net}). IP literals only when explicitly allowed, and then only when listed whole
 * (docs/dps.md, "Where DPS may send the device").
 */
public final class HubHostRule {

    private final List<String> allowedSuffixes;
    private final boolean allowIpLiterals;

    /**
     * @param allowedSuffixes host name suffixes (lower case, without a leading dot), or whole IP literals
     * @throws IllegalArgumentException when a suffix is not a host name (or an IP literal, if allowed)
     */
    public HubHostRule(List<String> allowedSuffixes, boolean allowIpLiterals) {
        if (allowedSuffixes.isEmpty()) {
            throw new IllegalArgumentException("the list of allowed hub host name suffixes is empty");
        }
        List<String> normalized = new ArrayList<>();
        for (String suffix : allowedSuffixes) {
            String s = suffix.trim().toLowerCase(Locale.ROOT);
            if (s.startsWith(".")) {
                s = s.substring(1);
            }
            boolean valid = isIpv4Literal(s) ? allowIpLiterals : hostNameProblem(s).isEmpty();
            if (!valid) {
                throw new IllegalArgumentException("'" + UntrustedText.escape(suffix) + "' is not a host name "
                        + "suffix" + (allowIpLiterals ? " or an IPv4 address" : ""));
            }
            normalized.add(s);
        }
        this.allowedSuffixes = List.copyOf(normalized);
        this.allowIpLiterals = allowIpLiterals;
    }

    public static HubHostRule azureClouds() {
        return new HubHostRule(DpsProtocol.DEFAULT_HUB_SUFFIXES, false);
    }

    public List<String> allowedSuffixes() {
        return this.allowedSuffixes;
    }

    public boolean allowsIpLiterals() {
        return this.allowIpLiterals;
    }

    /** Why {@code host} is not an acceptable assigned hub, or empty when it is; never quotes the host raw. */
    public Optional<String> problem(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.of("the assigned hub is empty");
        }
        String lower = host.toLowerCase(Locale.ROOT);
        if (isIpv4Literal(lower)) {
            if (!this.allowIpLiterals) {
                return Optional.of("the assigned hub '" + UntrustedText.escape(host) + "' is an IP address, which "
                        + "is not allowed (dps.hub.allow.ip.literals)");
            }
            return this.allowedSuffixes.contains(lower) ? Optional.empty()
                    : Optional.of("the assigned hub '" + UntrustedText.escape(host) + "' is not in the allowed "
                            + "hub list " + this.allowedSuffixes);
        }
        Optional<String> syntax = hostNameProblem(lower);
        if (syntax.isPresent()) {
            return Optional.of("the assigned hub '" + UntrustedText.escape(host) + "' is not a DNS host name ("
                    + syntax.get() + ")");
        }
        for (String suffix : this.allowedSuffixes) {
            if (lower.equals(suffix) || lower.endsWith("." + suffix)) {
                return Optional.empty();
            }
        }
        return Optional.of("the assigned hub '" + UntrustedText.escape(host) + "' is not under an allowed hub host "
                + "name suffix " + this.allowedSuffixes + " (dps.hub.allowed.suffixes)");
    }

    /** Host name syntax: the one rule IoT Hub connections apply too ({@link IdentityIds#hubHostNameProblem}). */
    static Optional<String> hostNameProblem(String host) {
        return IdentityIds.hubHostNameProblem(host);
    }

    /** Dotted decimal: a DNS top-level label is never all digits, so such a name can only be an address. */
    static boolean isIpv4Literal(String host) {
        int dot = host.lastIndexOf('.');
        String last = dot < 0 ? host : host.substring(dot + 1);
        return !last.isEmpty() && last.chars().allMatch(Character::isDigit) && host.chars()
                .allMatch(c -> c == '.' || Character.isDigit(c));
    }

    @Override
    public String toString() {
        return "hubs under " + this.allowedSuffixes + (this.allowIpLiterals ? " (IP literals allowed)" : "");
    }
}
