package io.brguard.policy.restore;

import io.brguard.policy.Findings;
import io.brguard.policy.SpecDiff;
import io.brguard.policy.rules.RuleFamily;

/**
 * A Restore runs once. TiDB Operator v2 creates its Job {@code restore-<name>} from the spec as it is then, and
 * afterwards only follows that Job (syncRestoreJob: an existing Job means syncK8sJobStatus, never a new one); a
 * Complete or Failed Restore is done, and an Invalid one is skipped before any sync (Reconcile). An edit from the
 * phase Scheduled on does nothing, so it is refused with the way that works: a new Restore.
 */
public final class RestoreTransitionRules implements RuleFamily<RestoreContext> {
    public static final String STARTED = "restore.started";

    @Override
    public void check(RestoreContext ctx, Findings out) {
        if (!ctx.started()) {
            return;
        }
        String phase = ctx.oldPhase();
        boolean invalid = "Invalid".equals(phase);
        String problem = invalid ? "the Restore is Invalid and TiDB Operator skips it, so a fix here does nothing"
                : "a Restore runs once: after it started TiDB Operator does not read its spec again";
        String fix = invalid ? "delete it and create a corrected Restore" : "create a new Restore with a new name";
        for (String path : SpecDiff.changedPaths(ctx.oldSpecTree(), ctx.newSpecTree())) {
            out.deny(STARTED, path, problem, "phase " + phase, fix);
        }
    }
}
