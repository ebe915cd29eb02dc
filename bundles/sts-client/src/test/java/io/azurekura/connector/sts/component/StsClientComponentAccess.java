package io.azurekura.connector.sts.component;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.azurekura.connector.api.sts.TokenFetchException;
import io.azurekura.connector.api.token.SasToken;
import io.azurekura.connector.api.token.TokenScope;

/** Drives the DS component as the framework would (activate/deactivate), for tests in other packages. */
public final class StsClientComponentAccess {

    private final StsClientComponent component = new StsClientComponent();

    public static StsClientComponentAccess activate(Map<String, Object> properties) {
        StsClientComponentAccess access = new StsClientComponentAccess();
        access.component.activate(new java.util.HashMap<>(properties));
        return access;
    }

    public void modified(Map<String, Object> properties) {
        this.component.modified(new java.util.HashMap<>(properties));
    }

    public SasToken fetch(TokenScope scope) throws TokenFetchException {
        return this.component.fetch(scope);
    }

    public Optional<String> configurationProblem() {
        return this.component.configurationProblem();
    }

    public List<String> configurationProblems() {
        return this.component.configurationProblems();
    }

    public void deactivate() {
        this.component.deactivate();
    }
}
