package io.brguard.policy;

/** A legal but risky spec. Kept at or under {@link #MAX_LENGTH} characters, as the API server may cut longer ones. */
public record Warning(String ruleId, String path, String text) {
    public static final int MAX_LENGTH = 120;

    public Warning {
        String full = ruleId + " " + path + ": " + text;
        if (full.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("warning longer than " + MAX_LENGTH + " characters: " + full);
        }
    }

    public String message() {
        return ruleId + " " + path + ": " + text;
    }

    @Override
    public String toString() {
        return message();
    }
}
