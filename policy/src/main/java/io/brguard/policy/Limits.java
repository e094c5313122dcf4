package io.brguard.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bounds on what one decision reports, so that an answer and its audit line stay a few kilobytes whatever the
 * request holds: at most {@link #PER_FIELD} findings of one rule on one field (the entries of a list count as one
 * field), at most {@link #PER_ANSWER} in all, and at most {@link #WARNINGS} warnings. What is left out is counted in
 * a last finding ("and N more"), never dropped silently.
 */
public final class Limits {
    public static final int PER_FIELD = 5;
    public static final int PER_ANSWER = 20;
    public static final int WARNINGS = 10;

    private Limits() {
    }

    public static List<Violation> cap(List<Violation> all) {
        if (all.size() <= PER_FIELD) {
            return all;
        }
        List<Violation> kept = new ArrayList<>();
        Map<String, Integer> perField = new HashMap<>();
        Map<String, Violation> firstDropped = new java.util.LinkedHashMap<>();
        Map<String, Integer> dropped = new HashMap<>();
        for (Violation v : all) {
            String field = v.ruleId() + " " + withoutIndexes(v.path());
            int n = perField.merge(field, 1, Integer::sum);
            if (n <= PER_FIELD) {
                kept.add(v);
            } else {
                firstDropped.putIfAbsent(field, v);
                dropped.merge(field, 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Violation> e : firstDropped.entrySet()) {
            Violation v = e.getValue();
            kept.add(new Violation(v.ruleId(), withoutIndexes(v.path()), "and " + dropped.get(e.getKey())
                    + " more entries with the same problem, not listed", null, "fix them the same way"));
        }
        if (kept.size() <= PER_ANSWER) {
            return kept;
        }
        List<Violation> out = new ArrayList<>(kept.subList(0, PER_ANSWER));
        Set<String> rules = new LinkedHashSet<>();
        kept.subList(PER_ANSWER, kept.size()).forEach(v -> rules.add(v.ruleId()));
        out.add(new Violation(kept.get(PER_ANSWER).ruleId(), "spec", "and " + (kept.size() - PER_ANSWER)
                + " more problems, not listed (" + String.join(", ", rules) + ")", null, "fix the ones above and apply again"));
        return out;
    }

    public static List<Warning> capWarnings(List<Warning> all) {
        if (all.size() <= WARNINGS) {
            return all;
        }
        List<Warning> out = new ArrayList<>(all.subList(0, WARNINGS - 1));
        out.add(Warning.fitted(all.get(WARNINGS - 1).ruleId(), "spec", "and " + (all.size() - WARNINGS + 1)
                + " more warnings, not listed"));
        return out;
    }

    /** {@code spec.tableFilter[3]} as {@code spec.tableFilter}. */
    static String withoutIndexes(String path) {
        int i = path.indexOf('[');
        if (i < 0) {
            return path;
        }
        StringBuilder sb = new StringBuilder(path.length());
        boolean inIndex = false;
        for (char c : path.toCharArray()) {
            if (c == '[') {
                inIndex = true;
            } else if (c == ']') {
                inIndex = false;
            } else if (!inIndex) {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
