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
