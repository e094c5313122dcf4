package io.brguard.policy;

/**
 * One broken rule, rendered as {@code <rule-id> <field.path>: <what is wrong> (<value>); <what to do>}.
 * The value is optional and never a secret.
 */
public record Violation(String ruleId, String path, String problem, String value, String fix) {

    public String message() {
        StringBuilder sb = new StringBuilder(ruleId).append(' ').append(path).append(": ").append(problem);
        if (value != null) {
            sb.append(" (").append(value).append(')');
        }
        if (fix != null && !fix.isEmpty()) {
            sb.append("; ").append(fix);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return message();
    }
}
