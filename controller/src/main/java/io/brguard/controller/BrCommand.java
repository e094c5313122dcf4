package io.brguard.controller;

/** What a Job runs: a snapshot backup or one log subcommand. The name suffixes match TiDB Operator's Job names. */
public enum BrCommand {
    SNAPSHOT(""), LOG_START("-log-start"), LOG_PAUSE("-log-pause"), LOG_RESUME("-log-resume"),
    LOG_STOP("-log-stop"), LOG_TRUNCATE("-log-truncate");

    private final String suffix;

    BrCommand(String suffix) {
        this.suffix = suffix;
    }

    /** The key in status.logSubCommandStatuses, e.g. log-pause. */
    public String subcommand() {
        return suffix.isEmpty() ? "" : suffix.substring(1);
    }

    public String jobName(String backupName) {
        return JobNames.fit("backup-" + backupName + suffix);
    }
}
