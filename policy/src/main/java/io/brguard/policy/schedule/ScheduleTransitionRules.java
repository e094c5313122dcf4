package io.brguard.policy.schedule;

import io.brguard.policy.Findings;
import io.brguard.policy.Operation;
import io.brguard.policy.rules.RuleFamily;

/**
 * Edits that would do nothing: the schedule creates its log backup once, from the template as it is then, and
 * never changes it (v1 createLogBackup runs only while status.logBackup is empty). So while that log backup
 * exists an edit of logBackupTemplate is silently ignored; removing the template leaves the log backup running
 * (retention still truncates it).
 */
public final class ScheduleTransitionRules implements RuleFamily<ScheduleContext> {
    static final String PREFIX = "schedule.log-template";
    public static final String IN_USE = "schedule.log-template-in-use";
    public static final String IN_USE_PROBLEM = "the schedule never edits its log backup ";
    public static final String IN_USE_PROBLEM_END = ": this would do nothing";
    public static final String IN_USE_FIX = "to change it, log-stop and delete ";
    public static final String IN_USE_FIX_END = ", then edit the template; a new one starts";

    @Override
    public void check(ScheduleContext ctx, Findings out) {
        if (ctx.operation() != Operation.UPDATE || ctx.oldSpec() == null) {
            return;
        }
        String logBackup = ctx.oldLogBackup();
        if (logBackup == null || ctx.oldSpec().getLogBackupTemplate() == null || !ctx.changed("/logBackupTemplate")) {
            return;
        }
        if (ctx.spec().getLogBackupTemplate() == null) {
            out.warn("warn.schedule-log-left-running", "spec.logBackupTemplate",
                    "removed, but log backup " + logBackup + " keeps running: stop and delete it if unwanted");
            return;
        }
        out.deny(IN_USE, "spec.logBackupTemplate", IN_USE_PROBLEM + logBackup + IN_USE_PROBLEM_END, null,
                IN_USE_FIX + logBackup + IN_USE_FIX_END);
    }
}
