package io.brguard.policy.model;

import java.util.List;

/** {@code status.logSubCommandStatuses[cmd]}: the per-subcommand source of truth for log backups. */
public class LogSubCommandStatus extends Extensible {
    private String command;
    private String timeStarted;
    private String timeCompleted;
    private String logTruncatingUntil;
    private String phase;
    private List<BackupCondition> conditions;

    public String getCommand() { return command; }
    public void setCommand(String v) { command = v; }
    public String getTimeStarted() { return timeStarted; }
    public void setTimeStarted(String v) { timeStarted = v; }
    public String getTimeCompleted() { return timeCompleted; }
    public void setTimeCompleted(String v) { timeCompleted = v; }
    public String getLogTruncatingUntil() { return logTruncatingUntil; }
    public void setLogTruncatingUntil(String v) { logTruncatingUntil = v; }
    public String getPhase() { return phase; }
    public void setPhase(String v) { phase = v; }
    public List<BackupCondition> getConditions() { return conditions; }
    public void setConditions(List<BackupCondition> v) { conditions = v; }
}
