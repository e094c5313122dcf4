package io.brguard.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one decision: denied when any violation exists; warnings and the mutation patch travel with it.
 * {@code unchecked} lists rules a lookup could not answer: the webhook turns them into an error, never an allow.
 */
public record Verdict(List<Violation> violations, List<Warning> warnings, List<PatchOp> patch,
                      List<Unchecked> unchecked) {

    public Verdict {
        violations = List.copyOf(violations);
        warnings = List.copyOf(warnings);
        patch = List.copyOf(patch);
        unchecked = List.copyOf(unchecked);
    }

    public static Verdict allow(List<PatchOp> patch) {
        return new Verdict(List.of(), List.of(), patch, List.of());
    }

    public boolean allowed() {
        return violations.isEmpty();
    }

    /** The distinct rule ids behind the violations, in order. */
    public List<String> ruleIds() {
        if (violations.isEmpty()) {
            return List.of();
        }
        List<String> ids = new ArrayList<>(violations.size());
        for (Violation v : violations) {
            if (!ids.contains(v.ruleId())) {
                ids.add(v.ruleId());
            }
        }
        return List.copyOf(ids);
    }

    /**
     * The admission response's message: each violation on its own line, each line exactly as docs/rules.md and
     * {@code brguard check} print it. A violation's message is one line (Violation keeps it so), so the line
     * break cannot be mistaken for part of one.
     */
    public String denialMessage() {
        return String.join("\n", violations.stream().map(Violation::message).toList());
    }
}
