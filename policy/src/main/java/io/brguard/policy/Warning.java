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

    /** A warning whose text is cut (with an ellipsis) so the whole message fits {@link #MAX_LENGTH}. */
    public static Warning fitted(String ruleId, String path, String text) {
        int room = MAX_LENGTH - (ruleId + " " + path + ": ").length();
        if (room < 8) {
            path = path.substring(0, Math.max(4, path.length() - (8 - room) - 1)) + "…";
            room = MAX_LENGTH - (ruleId + " " + path + ": ").length();
        }
        return new Warning(ruleId, path, text.length() <= room ? text : text.substring(0, room - 1) + "…");
    }

    public String message() {
        return ruleId + " " + path + ": " + text;
    }

    @Override
    public String toString() {
        return message();
    }
}
