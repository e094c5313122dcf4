package io.brguard.policy.model;

/** One entry of {@code status.brOperations} (v1 truncate observer). */
public class BROperation extends Extensible {
    private String operationID;
    private String startedAt;
    private String command;
    private String observedAt;

    public String getOperationID() { return operationID; }
    public void setOperationID(String v) { operationID = v; }
    public String getStartedAt() { return startedAt; }
    public void setStartedAt(String v) { startedAt = v; }
    public String getCommand() { return command; }
    public void setCommand(String v) { command = v; }
    public String getObservedAt() { return observedAt; }
    public void setObservedAt(String v) { observedAt = v; }
}
