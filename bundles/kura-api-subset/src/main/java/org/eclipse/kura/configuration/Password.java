package org.eclipse.kura.configuration;

import org.osgi.annotation.versioning.ProviderType;

/** Signature-compatible declaration of Kura's password holder. */
@ProviderType
public class Password {

    private final char[] password;

    public Password(String password) {
        this.password = password == null ? null : password.toCharArray();
    }

    public Password(char[] password) {
        this.password = password;
    }

    public char[] getPassword() {
        return this.password;
    }

    @Override
    public String toString() {
        return this.password == null ? null : new String(this.password);
    }
}
