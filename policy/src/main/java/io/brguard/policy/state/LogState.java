package io.brguard.policy.state;

import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;

/**
 * Where an existing log backup is, read from its status the way TiDB Operator reads it: the top-level phase,
 * and {@code status.commitTs} as the "log-start succeeded" flag.
 */
public enum LogState {
    NEW("[*]", "no object yet (CREATE)"),
    PENDING("Pending", "phase empty: no controller has picked it up"),
    STARTING("Starting", "Scheduled or Prepare: log-start in progress"),
    RUNNING("Running", "Running"),
    PAUSED("Paused", "Paused"),
    STOPPED("Stopped", "Stopped (terminal)"),
    START_FAILED("StartFailed", "Failed before log-start succeeded (no commitTs)"),
    TASK_FAILED("TaskFailed", "Failed after the task started (commitTs set)"),
    RETRYING("RetryFailed", "RetryFailed: the operator is retrying"),
    INVALID("Invalid", "Invalid (spec rejected by the operator)"),
    DELETING("Cleaning", "Clean or CleanFailed: deletion in progress"),
    OTHER("Other", "any other phase, e.g. Complete");

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

    /** The state of {@code old}; {@code null} means there is no old object. */
    public static LogState of(Backup old) {
        if (old == null) {
            return NEW;
        }
        BackupStatus status = old.getStatus();
        String phase = status == null ? null : status.getPhase();
        boolean started = status != null && status.getCommitTs() != null && !status.getCommitTs().isEmpty();
        if (phase == null || phase.isEmpty()) {
            return PENDING;
        }
        return switch (phase) {
            case "Scheduled", "Prepare" -> STARTING;
            case "Running" -> RUNNING;
            case "Paused" -> PAUSED;
            case "Stopped" -> STOPPED;
            case "Failed" -> started ? TASK_FAILED : START_FAILED;
            case "RetryFailed" -> RETRYING;
            case "Invalid" -> INVALID;
            case "Clean", "CleanFailed" -> DELETING;
            default -> OTHER;
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
