package io.brguard.policy.state;

import io.brguard.policy.model.BackupSpec;

/** What a log-mode spec asks for, after TiDB Operator's own reading of logSubcommand and the deprecated logStop. */
public enum LogCommand {
    START("log-start"),
    PAUSE("log-pause"),
    STOP("log-stop"),
    /** {@code log-resume} or {@code log-truncate}: accepted by the v2 CRD enum, looped on by the v2 controller. */
    UNSUPPORTED(null);

    private final String value;

    LogCommand(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    /** The command a spec asks for; an empty logSubcommand means start, or stop when logStop is true. */
    public static LogCommand of(BackupSpec spec) {
        String sub = spec == null ? null : spec.getLogSubcommand();
        if (sub == null || sub.isEmpty()) {
            return spec != null && Boolean.TRUE.equals(spec.getLogStop()) ? STOP : START;
        }
        return switch (sub) {
            case "log-start" -> START;
            case "log-pause" -> PAUSE;
            case "log-stop" -> STOP;
            default -> UNSUPPORTED;
        };
    }
}
