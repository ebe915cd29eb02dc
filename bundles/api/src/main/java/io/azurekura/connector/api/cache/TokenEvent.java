package io.azurekura.connector.api.cache;

import io.azurekura.connector.api.token.TokenScope;

/** Something happened to a scope's token. */
public final class TokenEvent {

    /** What happened. */
    public enum Type {
        /** A new valid token replaced the previous one (or is the first). */
        RENEWED,
        /** A fetch failed; the previous token, if any, is still served. */
        FETCH_FAILED,
        /** The state changed (see {@link TokenStatus#state()}). */
        STATE_CHANGED
    }

    private final Type type;
    private final TokenStatus status;
    private final TokenState previousState;

    public TokenEvent(Type type, TokenStatus status, TokenState previousState) {
        this.type = type;
        this.status = status;
        this.previousState = previousState;
    }

    public Type type() {
        return this.type;
    }

    public TokenScope scope() {
        return this.status.scope();
    }

    public TokenStatus status() {
        return this.status;
    }

    public TokenState previousState() {
        return this.previousState;
    }

    @Override
    public String toString() {
        return this.type + " " + this.status;
    }
}
