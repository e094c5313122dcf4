package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Operation;
import io.brguard.policy.SpecDiff;
import io.brguard.policy.Specs;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.state.EffectiveCommand;
import io.brguard.policy.state.LogCommand;
import io.brguard.policy.state.LogState;
import io.brguard.policy.state.TransitionTable;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The log-backup state machine (driven by {@link TransitionTable}), the unsupported subcommand values, and the
 * states in which a spec change would silently do nothing (Stopped, failed start, Invalid, being cleaned, a started
 * snapshot). cleanPolicy stays editable everywhere: TiDB Operator reads it only when the Backup is deleted.
 */
public final class TransitionRules implements RuleFamily<Context> {
    public static final String NOT_RERUN = "transition.subcommand-not-rerun";
    public static final String TRUNCATE_NEEDS_START = "transition.truncate-needs-started";
    private static final String CLEAN_POLICY = "spec.cleanPolicy";
    private static final String TRUNCATE = "spec.logTruncateUntil";
    /** States whose frozenSpec check refuses a new logTruncateUntil itself. */
    private static final Set<LogState> FROZEN = Set.of(LogState.START_FAILED, LogState.INVALID, LogState.DELETING);
    /** States in which log-start is still on its way: a truncate asked now waits for it. */
    private static final Set<LogState> STARTING = Set.of(LogState.PENDING, LogState.STARTING, LogState.START_RETRYING);

    @Override
    public void check(Context ctx, Findings out) {
        if (!Specs.isLog(ctx.spec())) {
            snapshotStarted(ctx, out);
            return;
        }
        LogCommand cmd = LogCommand.of(ctx.spec());
        if (cmd == LogCommand.UNSUPPORTED) {
            unsupported(ctx.spec().getLogSubcommand(), out);
            return;
        }
        if (ctx.operation() == Operation.CREATE) {
            deniedCell(TransitionTable.cell(LogState.NEW, cmd), "new -> " + cmd.label(), out);
            return;
        }
        if (!Specs.isLog(ctx.oldSpec())) {
            return; // a mode change is reported by ImmutableRules
        }
        LogCommand oldCmd = LogCommand.of(ctx.oldSpec());
        String phase = LogState.phaseOf(ctx.oldBackup());
        if (cmd != oldCmd) {
            String value = (oldCmd == LogCommand.UNSUPPORTED ? ctx.oldSpec().getLogSubcommand() : oldCmd.label())
                    + " -> " + cmd.label() + ", phase " + phase;
            TransitionTable.Cell cell = TransitionTable.cell(ctx.oldState(), cmd);
            if (!cell.allowed()) {
                deniedCell(cell, value, out);
            } else {
                notRerun(ctx, value, out);
            }
        }
        truncateNeedsStart(ctx, phase, out);
        truncateFailedBefore(ctx, out);
        filterBreaksCommand(ctx, cmd != oldCmd, out);
        commitTsIgnored(ctx, out);
        frozenSpec(ctx, phase, out);
    }

    public static final String FILTER_BREAKS_COMMAND = "transition.log-filter-breaks-command";
    public static final String COMMIT_TS_IGNORED = "transition.commit-ts-ignored";

    /**
     * A truncate whose last run failed for this very logTruncateUntil is not run again: v2 takes the truncate as
     * failed while status.logSubCommandStatuses[log-truncate] has that logTruncatingUntil and phase Failed
     * (IsLogBackupSubCommandOntheCondition), and syncBackupJob returns at once. A different string starts it anew.
     */
    public static final String TRUNCATE_FAILED_PROBLEM = "the truncate until this value failed, and TiDB Operator never runs a "
            + "failed truncate again for the same value";
    public static final String TRUNCATE_FAILED_FIX = "find out why it failed (the log-truncate Job's log), then ask again with another value or spelling";

    private static void truncateFailedBefore(Context ctx, Findings out) {
        String until = ctx.spec().getLogTruncateUntil();
        BackupStatus status = ctx.oldBackup().getStatus();
        if (Specs.isBlank(until) || !ctx.changed("/logTruncateUntil") || status == null || status.getLogSubCommandStatuses() == null) {
            return;
        }
        var truncate = status.getLogSubCommandStatuses().get("log-truncate");
        if (truncate != null && "Failed".equals(truncate.getPhase()) && until.equals(truncate.getLogTruncatingUntil())) {
            out.deny(NOT_RERUN, TRUNCATE, TRUNCATE_FAILED_PROBLEM, until, TRUNCATE_FAILED_FIX);
        }
    }

    /**
     * A filtered task's pause, resume, truncate or stop Job fails: TiDB Operator passes --filter to each of them
     * and BR defines it only on log start (backupCommandTemplate; br/cmd/br/stream.go). The Job reads the Backup
     * when it starts, so removing the filter in the same edit makes it work; the task keeps its own filter.
     */
    public static final String FILTER_BREAKS_COMMAND_PROBLEM = "the Job of this command would fail: TiDB Operator passes "
            + "--filter to it, and BR's log pause, resume, truncate and stop have none";
    public static final String FILTER_BREAKS_COMMAND_FIX = "remove tableFilter in the same edit: the running task keeps the filter it started with";

    private static void filterBreaksCommand(Context ctx, boolean commandChanged, Findings out) {
        boolean filtered = ctx.spec().getTableFilter() != null && !ctx.spec().getTableFilter().isEmpty();
        boolean truncate = !Specs.isBlank(ctx.spec().getLogTruncateUntil()) && ctx.changed("/logTruncateUntil");
        if (filtered && (commandChanged || truncate) && EffectiveCommand.started(ctx.oldBackup().getStatus())) {
            out.deny(FILTER_BREAKS_COMMAND, "spec.tableFilter", FILTER_BREAKS_COMMAND_PROBLEM, null, FILTER_BREAKS_COMMAND_FIX);
        }
    }

    /**
     * spec.commitTs is read once, for log start's --start-ts (makeBRBackupJob); once status.commitTs is set no
     * code reads it again (skipLogBackupSync, IsLogSubcommandAlreadySync), so an edit does nothing.
     */
    public static final String COMMIT_TS_IGNORED_PROBLEM = "log-start has run: TiDB Operator read commitTs once, to start the "
            + "task, and ignores it from now on";
    public static final String COMMIT_TS_IGNORED_FIX = "revert it; to start from another time, create a new log backup";

    private static void commitTsIgnored(Context ctx, Findings out) {
        if (ctx.changed("/commitTs") && EffectiveCommand.started(ctx.oldBackup().getStatus())) {
            out.deny(COMMIT_TS_IGNORED, "spec.commitTs", COMMIT_TS_IGNORED_PROBLEM, ctx.spec().getCommitTs(), COMMIT_TS_IGNORED_FIX);
        }
    }

    private static void deniedCell(TransitionTable.Cell cell, String value, Findings out) {
        if (!cell.allowed()) {
            out.deny(cell.ruleId(), "spec.logSubcommand", cell.problem(), value, cell.fix());
        }
    }

    /**
     * TiDB Operator v2 returns at once when the command's own entry in status.logSubCommandStatuses is Complete or
     * Failed (syncBackupJob's IsBackupComplete || IsBackupFailed), so a failed pause, resume or stop is never run
     * again by asking for it again. Only an update of the sibling command resets one to Repeatable
     * (updateLogSubcommandStatus, backup_status_updater.go), and a resume needs a Paused task.
     */
    private static void notRerun(Context ctx, String value, Findings out) {
        BackupStatus status = ctx.oldBackup().getStatus();
        EffectiveCommand eff = EffectiveCommand.ofSubcommand(ctx.spec(), status);
        if (EffectiveCommand.alreadySync(eff, status) || !eff.finishedBefore(ctx.spec(), status)) {
            return;
        }
        String sub = eff.subPhase(ctx.spec(), status);
        String where = "status.logSubCommandStatuses[" + eff.key() + "] is " + sub;
        boolean complete = "Complete".equals(sub);
        String problem = where + (complete ? NOT_RERUN_COMPLETE : NOT_RERUN_FAILED) + eff.key() + (complete ? NOT_RERUN_COMPLETE_END : NOT_RERUN_FAILED_END);
        out.deny(NOT_RERUN, "spec.logSubcommand", problem, value, complete ? NOT_RERUN_COMPLETE_FIX : notRerunFix(eff));
    }

    // The problem reads: status.logSubCommandStatuses[<key>] is <phase> + one of these around the key.
    public static final String NOT_RERUN_COMPLETE = ", so TiDB Operator takes this ";
    public static final String NOT_RERUN_COMPLETE_END = " as done and does nothing";
    public static final String NOT_RERUN_FAILED = " and TiDB Operator never runs a failed ";
    public static final String NOT_RERUN_FAILED_END = " again";
    public static final String NOT_RERUN_COMPLETE_FIX = "check the task with br log status; to change it, delete this Backup and create a new one";

    /** What to do when the command's own last run failed. */
    public static String notRerunFix(EffectiveCommand eff) {
        return switch (eff) {
            case STOP -> "delete the Backup: its finalizer stops the task in a Job of its own";
            case PAUSE, RESUME -> "set log-stop, or delete the Backup and create a new one";
            default -> "delete this Backup and create a new one with a new name and prefix";
        };
    }

    /**
     * A truncate runs only once log-start has succeeded: TiDB Operator picks log-truncate only when the chosen
     * subcommand is in sync, and requeues it while status.commitTs is empty (ParseLogBackupSubcommand,
     * shouldLogBackupCommandRequeue). So while log-start is still on its way (pending, running or retried) the
     * truncate waits for it and then runs; in any other state without commitTs it never does. States that freeze
     * the whole spec report it there instead.
     */
    public static final String TRUNCATE_NEEDS_START_PROBLEM = "log-start has not succeeded yet (status.commitTs is empty), so "
            + "TiDB Operator does not truncate";
    public static final String TRUNCATE_NEEDS_START_FIX = "set logTruncateUntil once status.commitTs is set; if log-start failed, delete the Backup";

    /** The states in which a new logTruncateUntil without status.commitTs is not this rule's: frozen, or still starting. */
    public static final Set<LogState> TRUNCATE_JUDGED_ELSEWHERE = union(FROZEN, STARTING);

    private static Set<LogState> union(Set<LogState> a, Set<LogState> b) {
        Set<LogState> out = java.util.EnumSet.noneOf(LogState.class);
        out.addAll(a);
        out.addAll(b);
        return java.util.Collections.unmodifiableSet(out);
    }

    private static void truncateNeedsStart(Context ctx, String phase, Findings out) {
        String until = ctx.spec().getLogTruncateUntil();
        LogState state = ctx.oldState();
        if (Specs.isBlank(until) || !ctx.changed("/logTruncateUntil")
                || EffectiveCommand.started(ctx.oldBackup().getStatus()) || TRUNCATE_JUDGED_ELSEWHERE.contains(state)) {
            return;
        }
        out.deny(TRUNCATE_NEEDS_START, TRUNCATE, TRUNCATE_NEEDS_START_PROBLEM, "phase " + phase, TRUNCATE_NEEDS_START_FIX);
    }

    public static final String UNSUPPORTED = "transition.unsupported-subcommand";
    public static final String UNSUPPORTED_PROBLEM = "TiDB Operator v2 does not know this value: it records a RetryFailed "
            + "condition and retries forever, and the phase does not change";
    public static final String UNSUPPORTED_FIX_RESUME = "to resume a Paused task set logSubcommand: log-start";
    public static final String UNSUPPORTED_FIX_OTHER = "to truncate keep logSubcommand as it is and set spec.logTruncateUntil";

    private static void unsupported(String value, Findings out) {
        out.deny(UNSUPPORTED, "spec.logSubcommand", UNSUPPORTED_PROBLEM, value,
                "log-resume".equals(value) ? UNSUPPORTED_FIX_RESUME : UNSUPPORTED_FIX_OTHER);
    }

    /** A state in which TiDB Operator no longer acts on the spec: only the {@code editable} fields may change. */
    public record Frozen(LogState state, String ruleId, Set<String> editable, String problem, String fix) {
    }

    /** The states that freeze the spec, with what stays editable in each. */
    public static final Map<LogState, Frozen> FROZEN_SPEC = frozen(
            new Frozen(LogState.STOPPED, TransitionTable.STOPPED_TERMINAL,
                    Set.of(TRUNCATE, CLEAN_POLICY, "spec.logSubcommand", "spec.logStop"),
                    "the log backup is Stopped: only logTruncateUntil may still change",
                    "revert this field; for a new task create a new Backup"),
            new Frozen(LogState.START_FAILED, TransitionTable.FAILED_START,
                    Set.of(CLEAN_POLICY, "spec.logSubcommand", "spec.logStop"),
                    "log-start failed and TiDB Operator no longer acts on this Backup", "delete this Backup and create a new one"),
            new Frozen(LogState.INVALID, TransitionTable.INVALID, Set.of(CLEAN_POLICY, "spec.logSubcommand", "spec.logStop"),
                    "the Backup is Invalid and TiDB Operator skips it, so a fix here does nothing",
                    "delete this Backup and create a corrected one"),
            new Frozen(LogState.DELETING, TransitionTable.DELETING, Set.of("spec.logSubcommand", "spec.logStop"),
                    "the Backup is being deleted and cleaned", "let the deletion finish"));

    private static Map<LogState, Frozen> frozen(Frozen... rows) {
        Map<LogState, Frozen> out = new java.util.EnumMap<>(LogState.class);
        for (Frozen f : rows) {
            out.put(f.state(), f);
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** In states where TiDB Operator no longer acts on the spec, other field changes are refused too. */
    private static void frozenSpec(Context ctx, String phase, Findings out) {
        Frozen frozen = FROZEN_SPEC.get(ctx.oldState());
        if (frozen == null) {
            return;
        }
        for (String path : SpecDiff.changedPaths(ctx.oldSpecTree(), ctx.newSpecTree())) {
            if (!frozen.editable().contains(path) && !ImmutableRules.covers(path, true)) {
                out.deny(frozen.ruleId(), path, frozen.problem(), "phase " + phase, frozen.fix());
            }
        }
    }

    /** What a started snapshot backup may still change besides what {@link ImmutableRules} reports. */
    public static final Set<String> SNAPSHOT_EDITABLE = Set.of(CLEAN_POLICY);
    public static final String SNAPSHOT_STARTED = "transition.snapshot-started";
    public static final String SNAPSHOT_STARTED_PROBLEM = "a snapshot backup runs once; after it started the spec change does nothing";
    public static final String SNAPSHOT_STARTED_FIX = "create a new Backup with a new name and prefix";

    private static void snapshotStarted(Context ctx, Findings out) {
        if (ctx.operation() != Operation.UPDATE || Specs.isLog(ctx.oldSpec())) {
            return;
        }
        String phase = Specs.phase(ctx.oldBackup());
        if (phase.isEmpty()) {
            return;
        }
        List<String> changed = SpecDiff.changedPaths(ctx.oldSpecTree(), ctx.newSpecTree());
        for (String path : changed) {
            if (!SNAPSHOT_EDITABLE.contains(path) && !ImmutableRules.covers(path, false)) {
                out.deny(SNAPSHOT_STARTED, path, SNAPSHOT_STARTED_PROBLEM, "phase " + phase, SNAPSHOT_STARTED_FIX);
            }
        }
    }
}
