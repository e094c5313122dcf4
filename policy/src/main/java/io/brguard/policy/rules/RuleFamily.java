package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;

/** One family of rules; each reports everything it finds into {@code out} and never stops at the first problem. */
public interface RuleFamily {
    void check(Context ctx, Findings out);
}
