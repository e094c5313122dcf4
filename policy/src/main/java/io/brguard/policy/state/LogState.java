package io.brguard.policy.state;

import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;

/**
 * Where an existing log backup is, read from its status the way TiDB Operator reads it: the top-level phase,
 * and {@code status.commitTs} as the "log-start succeeded" flag.
 */
public enum LogState {
    NEW("[*]", "no object yet: CREATE"),
    PENDING("Pending", "phase empty: no controller has picked it up"),
    STARTING("Starting", "Scheduled or Prepare: log-start in progress"),
    RUNNING("Running", "phase Running: the task runs"),
    PAUSED("Paused", "phase Paused"),
    STOPPED("Stopped", "phase Stopped: terminal"),
    START_FAILED("StartFailed", "phase Failed and no status.commitTs: log-start never succeeded"),
    TASK_FAILED("TaskFailed", "phase Failed with status.commitTs: the task had started"),
    RETRYING("RetryFailed", "phase RetryFailed: the operator retries"),
    INVALID("Invalid", "phase Invalid: the operator rejected the spec"),
    DELETING("Cleaning", "phase Clean or CleanFailed: being deleted"),
    OTHER("Other", "any other phase, e.g. Complete or the docs' Pause");

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
