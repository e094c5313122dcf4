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
        value = cut(oneLine(value), VALUE_CHARS);
        problem = cut(oneLine(problem), PROBLEM_CHARS);
        path = cut(oneLine(path), PATH_CHARS);
        fix = oneLine(fix);
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /**
     * A message is one line whatever a request holds: line breaks become the two characters {@code \n} and other
     * control characters a space, so that a line break can separate the violations of one denial.
     */
    private static String oneLine(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    continue;
                }
                b.append(c == '\n' || c == '\r' ? "\\n" : " ");
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
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
