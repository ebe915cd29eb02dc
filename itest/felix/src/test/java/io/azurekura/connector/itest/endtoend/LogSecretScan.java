package io.azurekura.connector.itest.endtoend;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import io.azurekura.connector.testsupport.sas.SasSigner;

/**
 * Finds secrets in log lines: each given secret (token signatures, keys, the STS bearer secret) in the spellings it
 * may take on the way (as is, URL-encoded, URL-decoded), and any {@code sig=} value that is not the connector's
 * {@code <redacted>} placeholder, which catches tokens the test does not know of.
 * <p>
 * {@link #verboseLogging()} turns the connector's and the Azure SDK's loggers to debug level for the duration of a
 * run, so that the scan also covers what a user sees after raising the log level to chase a problem.
 */
final class LogSecretScan {

    private static final Pattern UNREDACTED_SIGNATURE = Pattern.compile("sig=(?!<redacted>)[^&\\s\"',;)]{6,}");
    /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
    private static final List<Logger> VERBOSE = List.of(Logger.getLogger("io.azurekura.connector"),
            Logger.getLogger("com.microsoft.azure.sdk.iot"), Logger.getLogger("org.eclipse.paho"));

    private LogSecretScan() {
    }

    static void verboseLogging() {
        VERBOSE.forEach(logger -> logger.setLevel(Level.FINE));
    }

    static void defaultLogging() {
        VERBOSE.forEach(logger -> logger.setLevel(null));
    }

    /** The lines that contain one of {@code secrets} or an unredacted signature, each with what it contains. */
    static List<String> leaks(List<String> lines, Collection<String> secrets) {
        Set<String> spellings = new LinkedHashSet<>();
        for (String secret : secrets) {
            spellings.add(secret);
            spellings.add(SasSigner.urlEncode(secret));
            spellings.add(URLDecoder.decode(secret, StandardCharsets.UTF_8));
        }
        spellings.removeIf(s -> s.length() < 8);
        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            for (String spelling : spellings) {
                if (line.contains(spelling)) {
                    leaks.add("secret '" + spelling.substring(0, 4) + "...' in: " + line);
                }
            }
            if (UNREDACTED_SIGNATURE.matcher(line).find()) {
                leaks.add("unredacted sig= in: " + line);
            }
        }
        return leaks;
    }
}
