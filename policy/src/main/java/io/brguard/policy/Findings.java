package io.brguard.policy;

import java.util.ArrayList;
import java.util.List;

/** Collects every violation, warning and unchecked rule of one decision, so one apply shows every problem. */
public final class Findings {
    private final List<Violation> violations = new ArrayList<>();
    private final List<Warning> warnings = new ArrayList<>();
    private final List<Unchecked> unchecked = new ArrayList<>();

    public void deny(String ruleId, String path, String problem, String value, String fix) {
        violations.add(new Violation(known(ruleId), path, problem, value, fix));
    }

    public void warn(String ruleId, String path, String text) {
        warnings.add(Warning.fitted(known(ruleId), path, text));
    }

    public void unchecked(String ruleId, String path, String reason) {
        unchecked.add(new Unchecked(known(ruleId), path, reason));
    }

    /**
     * Copies what {@code other} found, its paths rebased: the field {@code from} and every path under it are moved
     * under {@code to} ({@code spec.azblob.prefix} to {@code spec.backupTemplate.azblob.prefix}), so findings on a
     * Backup built from a template name the template's field. Findings of {@code skip} rule ids are left out.
     */
    public void addRebased(Findings other, String from, String to, java.util.Set<String> skip) {
        java.util.function.UnaryOperator<String> rebase = p -> p.equals(from) || p.startsWith(from + ".")
                || p.startsWith(from + "[") ? to + p.substring(from.length()) : p;
        for (Violation v : other.violations) {
            if (!skip.contains(v.ruleId())) {
                violations.add(new Violation(v.ruleId(), rebase.apply(v.path()), v.problem(), v.value(), v.fix()));
            }
        }
        for (Warning w : other.warnings) {
            if (!skip.contains(w.ruleId())) {
                warnings.add(Warning.fitted(w.ruleId(), rebase.apply(w.path()), w.text()));
            }
        }
        for (Unchecked u : other.unchecked) {
            if (!skip.contains(u.ruleId())) {
                unchecked.add(new Unchecked(u.ruleId(), rebase.apply(u.path()), u.reason()));
            }
        }
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    public List<Warning> warnings() {
        return List.copyOf(warnings);
    }

    public List<Unchecked> unchecked() {
        return List.copyOf(unchecked);
    }

    private static String known(String ruleId) {
        if (!RuleCatalog.contains(ruleId)) {
            throw new IllegalArgumentException("rule id not in RuleCatalog: " + ruleId);
        }
        return ruleId;
    }
}
