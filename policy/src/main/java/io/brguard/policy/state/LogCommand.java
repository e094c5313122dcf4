package io.brguard.policy.state;

import io.brguard.policy.model.BackupSpec;

/** What a log-mode spec asks for: its logSubcommand, with the deprecated logStop read as TiDB Operator reads it. */
public enum LogCommand {
    START("log-start"),
    PAUSE("log-pause"),
    STOP("log-stop"),
    /**
     * No logSubcommand (and no {@code logStop: true}). TiDB Operator v2 reads it as log-start, or as log-stop once
     * the phase is Stopped; unlike v1 it never resumes a Paused task from it (ParseLogBackupSubcommand,
     * api/br/v1alpha1/backup.go).
     */
    NONE(""),
    /** {@code log-resume} or {@code log-truncate}: accepted by the v2 CRD enum, unknown to the v2 controller. */
    UNSUPPORTED(null);

    private final String value;

    LogCommand(String value) {
        this.value = value;
    }

    /** The logSubcommand value; empty for NONE, null for UNSUPPORTED (which stands for several values). */
    public String value() {
        return value;
    }

    /** How the command is named in messages and tables. */
    public String label() {
        return this == NONE ? "(no logSubcommand)" : this == UNSUPPORTED ? "(unsupported)" : value;
    }

    /** The command a spec asks for; an empty logSubcommand is NONE, or STOP when logStop is true. */
    public static LogCommand of(BackupSpec spec) {
        String sub = spec == null ? null : spec.getLogSubcommand();
        if (sub == null || sub.isEmpty()) {
            return spec != null && Boolean.TRUE.equals(spec.getLogStop()) ? STOP : NONE;
        }
        return switch (sub) {
            case "log-start" -> START;
            case "log-pause" -> PAUSE;
            case "log-stop" -> STOP;
            default -> UNSUPPORTED;
        };
    }

    /** Whether the spec wants the task to run (log-start, or no logSubcommand on a task that is not Stopped). */
    public boolean wantsRunning() {
        return this == START || this == NONE;
    }
}
