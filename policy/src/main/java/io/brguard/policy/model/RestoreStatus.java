package io.brguard.policy.model;

import java.util.List;

/** {@code Restore.status}. Times are kept as the API server's strings so nothing is reformatted on a write. */
public class RestoreStatus extends Extensible {
    private String timeStarted;
    private String timeCompleted;
    private String timeTaken;
    private String commitTs;
    private String phase;
    private List<BackupCondition> conditions;
    private List<Progress> progresses;

    public String getTimeStarted() { return timeStarted; }
    public void setTimeStarted(String v) { timeStarted = v; }
    public String getTimeCompleted() { return timeCompleted; }
    public void setTimeCompleted(String v) { timeCompleted = v; }
    public String getTimeTaken() { return timeTaken; }
    public void setTimeTaken(String v) { timeTaken = v; }
    public String getCommitTs() { return commitTs; }
    public void setCommitTs(String v) { commitTs = v; }
    public String getPhase() { return phase; }
    public void setPhase(String v) { phase = v; }
    public List<BackupCondition> getConditions() { return conditions; }
    public void setConditions(List<BackupCondition> v) { conditions = v; }
    public List<Progress> getProgresses() { return progresses; }
    public void setProgresses(List<Progress> v) { progresses = v; }
}
