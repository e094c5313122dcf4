package io.brguard.policy;

/** A rule that could not be decided because a lookup could not answer. Never a pass, never a denial. */
public record Unchecked(String ruleId, String path, String reason) {
    public String message() {
        return ruleId + " " + path + ": not checked: " + reason;
    }

    @Override
    public String toString() {
        return message();
    }
}
