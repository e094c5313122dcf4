package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Operation;
import io.brguard.policy.SpecDiff;
import io.brguard.policy.Specs;
import io.brguard.policy.state.LogCommand;
import io.brguard.policy.state.LogState;
import io.brguard.policy.state.TransitionTable;

import java.util.List;
import java.util.Set;

/**
 * The log-backup state machine (driven by {@link TransitionTable}), the unsupported subcommand values, and the
 * states in which a spec change would silently do nothing (Stopped, failed start, Invalid, being cleaned, a started
 * snapshot). cleanPolicy stays editable everywhere: TiDB Operator reads it only when the Backup is deleted.
 */
public final class TransitionRules implements RuleFamily {
    private static final String CLEAN_POLICY = "spec.cleanPolicy";
    private static final String TRUNCATE = "spec.logTruncateUntil";

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
            deniedCell(TransitionTable.cell(LogState.NEW, cmd), "new -> " + cmd.value(), out);
            return;
        }
        if (!Specs.isLog(ctx.oldSpec())) {
            return; // a mode change is reported by ImmutableRules
        }
        LogCommand oldCmd = LogCommand.of(ctx.oldSpec());
        String phase = LogState.phaseOf(ctx.oldBackup());
        if (cmd != oldCmd) {
            String value = (oldCmd == LogCommand.UNSUPPORTED ? ctx.oldSpec().getLogSubcommand() : oldCmd.value())
                    + " -> " + cmd.value() + ", phase " + phase;
            deniedCell(TransitionTable.cell(ctx.oldState(), cmd), value, out);
        }
        frozenSpec(ctx, phase, out);
    }

    private static void deniedCell(TransitionTable.Cell cell, String value, Findings out) {
        if (!cell.allowed()) {
            out.deny(cell.ruleId(), "spec.logSubcommand", cell.problem(), value, cell.fix());
        }
    }

    private static void unsupported(String value, Findings out) {
        String fix = "log-resume".equals(value)
                ? "to resume a Paused task set logSubcommand: log-start"
                : "to truncate keep logSubcommand as it is and set spec.logTruncateUntil";
        out.deny("transition.unsupported-subcommand", "spec.logSubcommand",
                "TiDB Operator v2 treats this value as unknown and retries it forever (RetryFailed)", value, fix);
    }

    /** In states where TiDB Operator no longer acts on the spec, other field changes are refused too. */
    private static void frozenSpec(Context ctx, String phase, Findings out) {
        LogState state = ctx.oldState();
        Set<String> editable;
        String ruleId;
        String why;
        String fix;
        switch (state) {
            case STOPPED -> {
                editable = Set.of(TRUNCATE, CLEAN_POLICY, "spec.logSubcommand", "spec.logStop");
                ruleId = TransitionTable.STOPPED_TERMINAL;
                why = "the log backup is Stopped: only logTruncateUntil may still change";
                fix = "revert this field; for a new task create a new Backup";
            }
            case START_FAILED -> {
                editable = Set.of(CLEAN_POLICY, "spec.logSubcommand", "spec.logStop");
                ruleId = TransitionTable.FAILED_START;
                why = "log-start failed and TiDB Operator no longer acts on this Backup";
                fix = "delete this Backup and create a new one";
            }
            case INVALID -> {
                editable = Set.of(CLEAN_POLICY, "spec.logSubcommand", "spec.logStop");
                ruleId = TransitionTable.INVALID;
                why = "the Backup is Invalid and TiDB Operator skips it, so a fix here does nothing";
                fix = "delete this Backup and create a corrected one";
            }
            case DELETING -> {
                editable = Set.of("spec.logSubcommand", "spec.logStop");
                ruleId = TransitionTable.DELETING;
                why = "the Backup is being deleted and cleaned";
                fix = "let the deletion finish";
            }
            default -> {
                return;
            }
        }
        for (String path : SpecDiff.changedPaths(ctx.oldSpecTree(), ctx.newSpecTree())) {
            if (!editable.contains(path) && !ImmutableRules.covers(path, true)) {
                out.deny(ruleId, path, why, "phase " + phase, fix);
            }
        }
    }

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
            if (!path.equals(CLEAN_POLICY) && !ImmutableRules.covers(path, false)) {
                out.deny("transition.snapshot-started", path,
                        "a snapshot backup runs once; after it started the spec change does nothing",
                        "phase " + phase, "create a new Backup with a new name and prefix");
            }
        }
    }
}
