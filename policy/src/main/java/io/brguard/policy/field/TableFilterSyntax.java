package io.brguard.policy.field;

import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks one TiDB table-filter rule ({@code db.table}) as BR parses it: an optional {@code !}, then a schema
 * pattern and a table pattern separated by one unescaped dot. Each pattern is made of plain identifier characters
 * (letters, digits, {@code $}, {@code _}, non-ASCII), wildcards ({@code *}, {@code ?}, {@code [a-z]},
 * {@code [!a-z]}), backslash escapes and backquoted names ({@code `a.b`}, with {@code ``} for a backquote),
 * or is a {@code /regex/}. Every other ASCII character is reserved by the syntax and must be escaped.
 */
public final class TableFilterSyntax {

    private TableFilterSyntax() {
    }

    /** Empty when the rule is valid, otherwise what is wrong with it. */
    public static Optional<String> check(String rule) {
        if (rule == null || rule.trim().isEmpty()) {
            return Optional.of("empty rule");
        }
        String r = rule.trim();
        if (r.startsWith("#")) {
            return Optional.of("comments work only in filter files, not in spec.tableFilter");
        }
        if (r.startsWith("!")) {
            r = r.substring(1);
            if (r.startsWith("!")) {
                return Optional.of("double negation");
            }
        }
        if (r.startsWith("@")) {
            return Optional.of("@file imports read a file the backup Job does not have");
        }
        int[] pos = {0};
        Optional<String> schema = pattern(r, pos, "schema");
        if (schema.isPresent()) {
            return schema;
        }
        if (pos[0] >= r.length() || r.charAt(pos[0]) != '.') {
            return Optional.of("needs db.table: no unescaped dot between the schema and the table pattern");
        }
        pos[0]++;
        Optional<String> table = pattern(r, pos, "table");
        if (table.isPresent()) {
            return table;
        }
        if (pos[0] != r.length()) {
            return Optional.of("unexpected '" + r.charAt(pos[0]) + "' after the table pattern; escape it with \\ or use backquotes");
        }
        return Optional.empty();
    }

    private static Optional<String> pattern(String r, int[] pos, String part) {
        int i = pos[0];
        if (i < r.length() && r.charAt(i) == '/') {
            return regex(r, pos, part);
        }
        int start = i;
        while (i < r.length()) {
            char c = r.charAt(i);
            if (c == '.') {
                break;
            } else if (c == '\\') {
                if (i + 1 >= r.length()) {
                    return Optional.of("dangling \\ at the end of the " + part + " pattern");
                }
                i += 2;
            } else if (c == '`') {
                int end = i + 1;
                while (true) {
                    end = r.indexOf('`', end);
                    if (end < 0) {
                        return Optional.of("unclosed backquote in the " + part + " pattern");
                    }
                    if (end + 1 < r.length() && r.charAt(end + 1) == '`') {
                        end += 2;
                        continue;
                    }
                    break;
                }
                i = end + 1;
            } else if (c == '[') {
                int end = r.indexOf(']', i + 1);
                if (end < 0 || end == i + 1 || (end == i + 2 && r.charAt(i + 1) == '!')) {
                    return Optional.of("unclosed or empty [...] character class in the " + part + " pattern");
                }
                i = end + 1;
            } else if (c == '*' || c == '?' || c == '$' || c == '_' || Character.isLetterOrDigit(c) || c >= 0x80) {
                i++;
            } else {
                return Optional.of("'" + c + "' is reserved in the " + part + " pattern; escape it with \\ or use backquotes");
            }
        }
        if (i == start) {
            return Optional.of("empty " + part + " pattern");
        }
        pos[0] = i;
        return Optional.empty();
    }

    private static Optional<String> regex(String r, int[] pos, String part) {
        int i = pos[0] + 1;
        StringBuilder body = new StringBuilder();
        while (i < r.length() && r.charAt(i) != '/') {
            if (r.charAt(i) == '\\' && i + 1 < r.length()) {
                body.append(r, i, i + 2);
                i += 2;
            } else {
                body.append(r.charAt(i++));
            }
        }
        if (i >= r.length()) {
            return Optional.of("unclosed /regex/ in the " + part + " pattern");
        }
        try {
            Pattern.compile(body.toString());
        } catch (PatternSyntaxException e) {
            return Optional.of("bad regular expression in the " + part + " pattern: " + e.getDescription());
        }
        pos[0] = i + 1;
        return Optional.empty();
    }
}
