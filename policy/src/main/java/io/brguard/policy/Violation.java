package io.brguard.policy;

/**
 * One broken rule, rendered as {@code <rule-id> <field.path>: <what is wrong> (<value>); <what to do>}.
 * The value is optional and never a secret.
 */
public record Violation(String ruleId, String path, String problem, String value, String fix) {

    /** Longest quoted value, field path and problem kept: a request can make either as long as its body. */
    static final int VALUE_CHARS = 160;
    static final int PATH_CHARS = 200;
    static final int PROBLEM_CHARS = 300;

    public Violation {
        value = cut(value, VALUE_CHARS);
        problem = cut(problem, PROBLEM_CHARS);
        path = cut(path, PATH_CHARS);
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

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
