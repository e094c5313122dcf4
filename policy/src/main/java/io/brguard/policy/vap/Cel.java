package io.brguard.policy.vap;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * CEL text for the generated policy. Every field is read with optional selection ({@code spec.?azblob.?container}),
 * which Kubernetes has offered since 1.28 (cel.OptionalTypes, k8s.io/apiserver pkg/cel/environment/base.go): a
 * missing field is a value, not an evaluation error, so no expression fails on a Backup that leaves a field out.
 * An empty string reads as unset, as TiDB Operator's omitempty Go strings and brguard's policy read it.
 */
final class Cel {
    private Cel() {
    }

    /** A single-quoted CEL string literal. */
    static String q(String s) {
        StringBuilder b = new StringBuilder("'");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /** A list literal of strings. */
    static String strings(Collection<String> values) {
        return values.stream().map(Cel::q).collect(Collectors.joining(", ", "[", "]"));
    }

    /** The optional value at a dotted path under {@code root}: {@code root.?a.?b}. */
    static String opt(String root, String dotted) {
        return root + ".?" + dotted.replace(".", ".?");
    }

    /** The string at a dotted path, '' when unset. */
    static String str(String root, String dotted) {
        return opt(root, dotted) + ".orValue('')";
    }

    /** The list at a dotted path, [] when unset. */
    static String list(String root, String dotted) {
        return opt(root, dotted) + ".orValue([])";
    }

    /** The value at a dotted path, null when unset (for comparing values of any type). */
    static String any(String root, String dotted) {
        return opt(root, dotted) + ".orValue(null)";
    }

    static String has(String root, String dotted) {
        return opt(root, dotted) + ".hasValue()";
    }

    static String not(String e) {
        return "!(" + e + ")";
    }

    static String and(String... parts) {
        return join(" && ", parts);
    }

    static String or(String... parts) {
        return "(" + join(" || ", parts) + ")";
    }

    private static String join(String op, String... parts) {
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            if (p == null || p.equals("true") && op.equals(" && ")) {
                continue;
            }
            if (b.length() > 0) {
                b.append(op);
            }
            b.append(p);
        }
        return b.length() == 0 ? "true" : b.toString();
    }

    /**
     * A value as brguard's denial quotes it: cut to 160 characters with "..." (Violation.VALUE_CHARS). A value with a
     * line break makes the message more than one line, which the API server discards for the static message.
     */
    static String cut(String value) {
        return "(size(" + value + ") <= 160 ? " + value + " : (" + value + ").substring(0, 157) + '...')";
    }
}
