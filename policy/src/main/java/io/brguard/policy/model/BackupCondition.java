package io.brguard.policy.model;

/** One entry of {@code status.conditions}; the union of the v1 shape (command) and metav1.Condition (observedGeneration). */
public class BackupCondition extends Extensible {
    private String command;
    private String type;
    private String status;
    private Long observedGeneration;
    private String lastTransitionTime;
    private String reason;
    private String message;

    public BackupCondition() {
    }

    public BackupCondition(String type, String status, String reason, String message, String lastTransitionTime) {
        this.type = type;
        this.status = status;
        this.reason = reason;
        this.message = message;
        this.lastTransitionTime = lastTransitionTime;
    }

    public String getCommand() { return command; }
    public void setCommand(String v) { command = v; }
    public String getType() { return type; }
    public void setType(String v) { type = v; }
    public String getStatus() { return status; }
    public void setStatus(String v) { status = v; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long v) { observedGeneration = v; }
    public String getLastTransitionTime() { return lastTransitionTime; }
    public void setLastTransitionTime(String v) { lastTransitionTime = v; }
    public String getReason() { return reason; }
    public void setReason(String v) { reason = v; }
    public String getMessage() { return message; }
    public void setMessage(String v) { message = v; }
}
