package io.brguard.policy.rules;

import io.brguard.policy.Findings;

/**
 * One family of rules of one kind; each reports everything it finds into {@code out} and never stops at the first
 * problem. {@code C} is the kind's decision context ({@link io.brguard.policy.Context} for Backups).
 */
public interface RuleFamily<C> {
    void check(C ctx, Findings out);
}
