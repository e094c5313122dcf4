package io.brguard.policy.state;

import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;

import java.util.List;

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

    /**
     * How a top-level phase reads, with and without status.commitTs: one row per phase TiDB Operator writes, a phase
     * not listed reads as {@link #UNLISTED_PHASE}. {@link #of(Backup)} and the ValidatingAdmissionPolicy's state
     * (io.brguard.policy.vap) are both read off this table.
     */
    public record Phase(List<String> phases, LogState started, LogState notStarted) {
        public LogState state(boolean commitTs) {
            return commitTs ? started : notStarted;
        }
    }

    public static final List<Phase> PHASES = List.of(
            new Phase(List.of(""), OTHER, PENDING),
            new Phase(List.of("Scheduled", "Prepare"), OTHER, STARTING),
            new Phase(List.of("Running"), RUNNING, STARTING),
            new Phase(List.of("Paused"), PAUSED, OTHER_UNSTARTED),
            new Phase(List.of("Stopped"), STOPPED, STOPPED),
            new Phase(List.of("Failed"), TASK_FAILED, START_FAILED),
            new Phase(List.of("RetryFailed"), RETRYING, START_RETRYING),
            new Phase(List.of("Invalid"), INVALID, INVALID),
            new Phase(List.of("Clean", "CleanFailed"), DELETING, DELETING));

    public static final Phase UNLISTED_PHASE = new Phase(List.of(), OTHER, OTHER_UNSTARTED);

    /** The state of {@code old}; {@code null} means there is no old object. */
    public static LogState of(Backup old) {
        if (old == null) {
            return NEW;
        }
        BackupStatus status = old.getStatus();
        String phase = status == null || status.getPhase() == null ? "" : status.getPhase();
        boolean started = EffectiveCommand.started(status);
        for (Phase p : PHASES) {
            if (p.phases().contains(phase)) {
                return p.state(started);
            }
        }
        return UNLISTED_PHASE.state(started);
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
