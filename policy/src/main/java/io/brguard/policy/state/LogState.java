package io.brguard.policy.state;

import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;

/**
 * Where an existing log backup is, read from its status as TiDB Operator v2 reads it: the top-level phase and
 * {@code status.commitTs}, which the operator takes as "log-start succeeded" and which every other command waits
 * for (shouldLogBackupCommandRequeue, pkg/controllers/br/manager/backup/backup_manager.go). The per-subcommand
 * statuses are read on top of this by {@link EffectiveCommand}.
 */
public enum LogState {
    NEW("[*]", "no object yet: CREATE"),
    PENDING("Pending", "phase empty: no controller has picked it up"),
    STARTING("Starting", "Scheduled, Prepare or Running without status.commitTs: log-start in progress"),
    RUNNING("Running", "phase Running with status.commitTs: the task runs"),
    PAUSED("Paused", "phase Paused"),
    STOPPED("Stopped", "phase Stopped: terminal"),
    START_FAILED("StartFailed", "phase Failed and no status.commitTs: log-start never succeeded"),
    TASK_FAILED("TaskFailed", "phase Failed with status.commitTs (only TiDB Operator v1 writes this)"),
    START_RETRYING("StartRetrying", "phase RetryFailed without status.commitTs: log-start is being retried"),
    RETRYING("RetryFailed", "phase RetryFailed with status.commitTs"),
    INVALID("Invalid", "phase Invalid: the operator rejected the spec"),
    DELETING("Cleaning", "phase Clean or CleanFailed: being deleted"),
    OTHER_UNSTARTED("OtherUnstarted", "any other phase without status.commitTs"),
    OTHER("Other", "any other phase, e.g. Complete or the docs' Pause, with status.commitTs");

    private final String label;
    private final String description;

    LogState(String label, String description) {
        this.label = label;
        this.description = description;
    }

    /** The name used in messages and the state diagram. */
    public String label() {
        return label;
    }

    public String description() {
        return description;
    }

    /** Whether log-start has succeeded in this state (status.commitTs is set). */
    public boolean started() {
        return switch (this) {
            case RUNNING, PAUSED, TASK_FAILED, RETRYING, OTHER -> true;
            default -> false;
        };
    }

    /** The state of {@code old}; {@code null} means there is no old object. */
    public static LogState of(Backup old) {
        if (old == null) {
            return NEW;
        }
        BackupStatus status = old.getStatus();
        String phase = status == null || status.getPhase() == null ? "" : status.getPhase();
        boolean started = EffectiveCommand.started(status);
        return switch (phase) {
            case "" -> started ? OTHER : PENDING;
            case "Scheduled", "Prepare" -> started ? OTHER : STARTING;
            case "Running" -> started ? RUNNING : STARTING;
            case "Paused" -> started ? PAUSED : OTHER_UNSTARTED;
            case "Stopped" -> STOPPED;
            case "Failed" -> started ? TASK_FAILED : START_FAILED;
            case "RetryFailed" -> started ? RETRYING : START_RETRYING;
            case "Invalid" -> INVALID;
            case "Clean", "CleanFailed" -> DELETING;
            default -> started ? OTHER : OTHER_UNSTARTED;
        };
    }

    /** The phase text to show for {@code old}, e.g. {@code Running} or {@code (none)}. */
    public static String phaseOf(Backup old) {
        if (old == null) {
            return "(none)";
        }
        String phase = old.getStatus() == null ? null : old.getStatus().getPhase();
        return phase == null || phase.isEmpty() ? "(empty)" : phase;
    }
}
