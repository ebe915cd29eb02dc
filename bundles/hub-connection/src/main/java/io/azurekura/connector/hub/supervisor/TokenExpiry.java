package io.azurekura.connector.hub.supervisor;

/** Reads {@code se} (expiry, epoch seconds) out of a token without making a String of the secret. */
final class TokenExpiry {

    static final long UNKNOWN = -1;

    private TokenExpiry() {
    }

    /** @return the expiry in epoch seconds, or {@link #UNKNOWN} */
    static long epochSeconds(char[] token) {
        for (int i = 0; i + 3 < token.length; i++) {
            boolean fieldStart = i == 0 || token[i - 1] == '&' || token[i - 1] == ' ';
            if (fieldStart && token[i] == 's' && token[i + 1] == 'e' && token[i + 2] == '=') {
                long value = 0;
                int j = i + 3;
                for (; j < token.length && token[j] >= '0' && token[j] <= '9' && j - i < 22; j++) {
                    value = value * 10 + (token[j] - '0');
                }
                return j == i + 3 ? UNKNOWN : value;
            }
        }
        return UNKNOWN;
    }
}
