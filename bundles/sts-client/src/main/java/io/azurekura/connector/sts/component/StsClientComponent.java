package io.azurekura.connector.sts.component;

import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.crypto.CryptoService;
import org.eclipse.kura.security.keystore.KeystoreService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.sts.FetchFailure;
import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.sts.TokenSource;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.http.HttpSyntax;
import io.azurekura.connector.common.kura.ConfigurationReader;
import io.azurekura.connector.common.kura.KeystoreTls;
import io.azurekura.connector.common.redact.Redactor;
import io.azurekura.connector.sts.internal.AuthMode;
import io.azurekura.connector.sts.internal.HttpStsClient;
import io.azurekura.connector.sts.internal.ResponseFormat;
import io.azurekura.connector.sts.internal.StsSettings;
import io.azurekura.connector.sts.internal.TokenValidator;
import io.azurekura.connector.sts.internal.UrlTemplate;

/**
 * Maps Kura configuration and keystores onto {@link HttpStsClient}. A bad configuration never fails activation:
 * the component stays registered (so Kura's UI can fix it) and every fetch reports the problem as
 * {@link FetchFailure#NOT_CONFIGURED}.
 */
@Component(name = StsClientComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = { TokenSource.class, ConfigurableComponent.class })
@Designate(ocd = StsClientConfiguration.class)
public final class StsClientComponent implements TokenSource, ConfigurableComponent {

    public static final String PID = "io.azurekura.connector.sts.StsClient";

    private static final Logger LOG = LoggerFactory.getLogger(StsClientComponent.class);

    @Reference
    private CryptoService cryptoService;

    @Reference(name = "KeystoreService", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(kura.service.pid=changeme)", bind = "bindKeystore", unbind = "unbindKeystore")
    private volatile KeystoreService clientKeystore;

    @Reference(name = "TruststoreKeystoreService", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(kura.service.pid=changeme)", bind = "bindTruststore", unbind = "unbindTruststore")
    private volatile KeystoreService truststore;

    private Map<String, Object> properties;
    private volatile HttpStsClient client;
    private volatile String problem = "not configured yet";
    /** Values replaced by defaults at the last configuration; shown in the status besides {@link #problem}. */
    private volatile List<String> fallbacks = List.of();

    @Activate
    void activate(Map<String, Object> properties) {
        this.properties = properties;
        rebuild("activated");
    }

    @Modified
    void modified(Map<String, Object> properties) {
        this.properties = properties;
        rebuild("reconfigured");
    }

    @Deactivate
    synchronized void deactivate() {
        HttpStsClient old = this.client;
        this.client = null;
        this.properties = null;
        if (old != null) {
            old.close();
        }
    }

    void bindKeystore(KeystoreService keystore) {
        this.clientKeystore = keystore;
        rebuild("client keystore bound");
    }

    void unbindKeystore(KeystoreService keystore) {
        if (this.clientKeystore == keystore) {
            this.clientKeystore = null;
        }
        rebuild("client keystore unbound");
    }

    void bindTruststore(KeystoreService keystore) {
        this.truststore = keystore;
        rebuild("trust store bound");
    }

    void unbindTruststore(KeystoreService keystore) {
        if (this.truststore == keystore) {
            this.truststore = null;
        }
        rebuild("trust store unbound");
    }

    private synchronized void rebuild(String why) {
        if (this.properties == null) {
            return; // a reference bound before activation; activate() builds
        }
        HttpStsClient old = this.client;
        try {
            this.client = new HttpStsClient(settings(this.properties), sslContext(), Instant::now);
            this.problem = null;
            LOG.info("Token server client {}", why);
        } catch (IllegalArgumentException e) {
            // Our own validation messages: they name fields and never quote a secret.
            unusable(why, e.getMessage());
        } catch (GeneralSecurityException | KuraException e) {
            unusable(why, "the TLS setup from the Kura keystores failed: " + Redactor.excerpt(e.getMessage()));
        } catch (RuntimeException e) {
            // A broken keystore service or crypto service must not take the component down; its text is unknown.
            unusable(why, "the configuration could not be applied (" + e.getClass().getSimpleName() + ")");
        }
        if (old != null) {
            old.close();
        }
    }

    private void unusable(String why, String reason) {
        this.client = null;
        this.problem = reason;
        LOG.warn("Token server client {} but not usable: {}", why, reason);
    }

    private StsSettings settings(Map<String, Object> properties) {
        ConfigurationReader config = new ConfigurationReader(properties);
        try {
            boolean allowHttp = config.bool("sts.allow.insecure.http", false);
            UrlTemplate hub = UrlTemplate.parse(config.string("sts.url.device", ""), allowHttp);
            String dpsUrl = config.string("sts.url.dps", "");
            UrlTemplate dps = dpsUrl.isEmpty() ? null : UrlTemplate.parse(dpsUrl, allowHttp);
            AuthMode auth = config.choice("sts.auth.type", AuthMode.class, AuthMode.NONE);
            char[] secret = config.secret("sts.auth.secret", this.cryptoService);
            if ((auth == AuthMode.BEARER || auth == AuthMode.API_KEY) && secret.length == 0) {
                throw new IllegalArgumentException("authentication " + auth + " needs a bearer token or API key");
            }
            if ((auth == AuthMode.BEARER || auth == AuthMode.API_KEY) && !StsSettings.isSendableSecret(auth, secret)) {
                throw new IllegalArgumentException(StsSettings.SECRET_NOT_SENDABLE);
            }
            String header = config.string("sts.auth.header", "x-api-key");
            if (auth == AuthMode.API_KEY && !HttpSyntax.isToken(header)) {
                throw new IllegalArgumentException("sts.auth.header: " + config.quote(header)
                        + " is not a valid HTTP header name");
            }
            ResponseFormat format = config.choice("sts.response.format", ResponseFormat.class, ResponseFormat.TEXT);
            String field = config.string("sts.response.json.field", "token");
            long connect = config.number("sts.connect.timeout.ms", 5000, 100, 600_000);
            long read = config.number("sts.read.timeout.ms", 10_000, 100, 600_000);
            long maxBytes = config.number("sts.response.max.bytes", 16_384, 256, 1_048_576);
            long minRemaining = config.number("token.min.remaining.seconds", 60, 0, 86_400);
            long maxLifetime = config.number("token.max.lifetime.seconds", 604_800, 60, 31_622_400);
            if (!config.problems().isEmpty()) {
                // Out-of-range numbers were replaced by defaults; report, but the client stays usable.
                config.problems().forEach(p -> LOG.warn("Token server client configuration: {}", p));
            }
            if (auth == AuthMode.CLIENT_CERTIFICATE && this.clientKeystore == null) {
                throw new IllegalArgumentException("authentication CLIENT_CERTIFICATE needs a keystore: set "
                        + "KeystoreService.target to the keystore's kura.service.pid");
            }
            return new StsSettings(hub, dps, auth, secret, header, format, field, Duration.ofMillis(connect),
                    Duration.ofMillis(read), (int) maxBytes,
                    new TokenValidator(Duration.ofSeconds(minRemaining), Duration.ofSeconds(maxLifetime)));
        } finally {
            this.fallbacks = List.copyOf(config.problems());
        }
    }

    private SSLContext sslContext() throws GeneralSecurityException, KuraException {
        boolean clientCertificate = new ConfigurationReader(this.properties).choice("sts.auth.type", AuthMode.class,
                AuthMode.NONE) == AuthMode.CLIENT_CERTIFICATE;
        return KeystoreTls.sslContext(this.truststore, clientCertificate ? this.clientKeystore : null);
    }

    @Override
    public SasToken fetch(TokenScope scope) throws TokenFetchException {
        HttpStsClient current = this.client;
        if (current == null) {
            throw new TokenFetchException(FetchFailure.NOT_CONFIGURED, String.valueOf(this.problem));
        }
        return current.fetch(scope);
    }

    @Override
    public Optional<String> configurationProblem() {
        return Optional.ofNullable(this.problem);
    }

    @Override
    public List<String> configurationProblems() {
        List<String> all = new ArrayList<>(this.fallbacks);
        String blocking = this.problem;
        if (blocking != null) {
            all.add(0, blocking);
        }
        return List.copyOf(all);
    }
}
