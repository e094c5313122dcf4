package io.brguard.policy.model;

import java.util.List;
import java.util.Map;

/** {@code Backup.status}. Times are kept as the API server's strings so nothing is reformatted on a write. */
public class BackupStatus extends Extensible {
    private String phase;
    private List<BackupCondition> conditions;
    private String backupPath;
    private String commitTs;
    private String logCheckpointTs;
    private String logSuccessTruncateUntil;
    private String timeStarted;
    private String timeCompleted;
    private String timeTaken;
    private String timeSynced;
    private Long backupSize;
    private String backupSizeReadable;
    private Long incrementalBackupSize;
    private String incrementalBackupSizeReadable;
    private Map<String, LogSubCommandStatus> logSubCommandStatuses;
    private List<Progress> progresses;
    private List<BackoffRetryRecord> backoffRetryStatus;
    private List<BROperation> brOperations;
    private CleanProgress cleanProgress;

    public String getPhase() { return phase; }
    public void setPhase(String v) { phase = v; }
    public List<BackupCondition> getConditions() { return conditions; }
    public void setConditions(List<BackupCondition> v) { conditions = v; }
    public String getBackupPath() { return backupPath; }
    public void setBackupPath(String v) { backupPath = v; }
    public String getCommitTs() { return commitTs; }
    public void setCommitTs(String v) { commitTs = v; }
    public String getLogCheckpointTs() { return logCheckpointTs; }
    public void setLogCheckpointTs(String v) { logCheckpointTs = v; }
    public String getLogSuccessTruncateUntil() { return logSuccessTruncateUntil; }
    public void setLogSuccessTruncateUntil(String v) { logSuccessTruncateUntil = v; }
    public String getTimeStarted() { return timeStarted; }
    public void setTimeStarted(String v) { timeStarted = v; }
    public String getTimeCompleted() { return timeCompleted; }
    public void setTimeCompleted(String v) { timeCompleted = v; }
    public String getTimeTaken() { return timeTaken; }
    public void setTimeTaken(String v) { timeTaken = v; }
    public String getTimeSynced() { return timeSynced; }
    public void setTimeSynced(String v) { timeSynced = v; }
    public Long getBackupSize() { return backupSize; }
    public void setBackupSize(Long v) { backupSize = v; }
    public String getBackupSizeReadable() { return backupSizeReadable; }
    public void setBackupSizeReadable(String v) { backupSizeReadable = v; }
    public Long getIncrementalBackupSize() { return incrementalBackupSize; }
    public void setIncrementalBackupSize(Long v) { incrementalBackupSize = v; }
    public String getIncrementalBackupSizeReadable() { return incrementalBackupSizeReadable; }
    public void setIncrementalBackupSizeReadable(String v) { incrementalBackupSizeReadable = v; }
    public Map<String, LogSubCommandStatus> getLogSubCommandStatuses() { return logSubCommandStatuses; }
    public void setLogSubCommandStatuses(Map<String, LogSubCommandStatus> v) { logSubCommandStatuses = v; }
    public List<Progress> getProgresses() { return progresses; }
    public void setProgresses(List<Progress> v) { progresses = v; }
    public List<BackoffRetryRecord> getBackoffRetryStatus() { return backoffRetryStatus; }
    public void setBackoffRetryStatus(List<BackoffRetryRecord> v) { backoffRetryStatus = v; }
    public List<BROperation> getBrOperations() { return brOperations; }
    public void setBrOperations(List<BROperation> v) { brOperations = v; }
    public CleanProgress getCleanProgress() { return cleanProgress; }
    public void setCleanProgress(CleanProgress v) { cleanProgress = v; }
}
