package io.brguard.policy.model;

/**
 * {@code BackupSchedule.status} as TiDB Operator v2's CRD has it (api/br/v1alpha1/backupschedule_types.go): no
 * conditions field, so a status condition would be pruned by the API server. Times are RFC 3339 strings.
 */
public class BackupScheduleStatus extends Extensible {
    private String lastBackup;
    private String lastCompact;
    private String logBackup;
    private String logBackupStartTs;
    private String lastBackupTime;
    private String lastCompactTs;
    private String nextCompactEndTs;
    private String allBackupCleanTime;

    public String getLastBackup() { return lastBackup; }
    public void setLastBackup(String v) { lastBackup = v; }
    public String getLastCompact() { return lastCompact; }
    public void setLastCompact(String v) { lastCompact = v; }
    public String getLogBackup() { return logBackup; }
    public void setLogBackup(String v) { logBackup = v; }
    public String getLogBackupStartTs() { return logBackupStartTs; }
    public void setLogBackupStartTs(String v) { logBackupStartTs = v; }
    public String getLastBackupTime() { return lastBackupTime; }
    public void setLastBackupTime(String v) { lastBackupTime = v; }
    public String getLastCompactTs() { return lastCompactTs; }
    public void setLastCompactTs(String v) { lastCompactTs = v; }
    public String getNextCompactEndTs() { return nextCompactEndTs; }
    public void setNextCompactEndTs(String v) { nextCompactEndTs = v; }
    public String getAllBackupCleanTime() { return allBackupCleanTime; }
    public void setAllBackupCleanTime(String v) { allBackupCleanTime = v; }
}
