package io.brguard.policy.model;

/** {@code spec.cleanOption}: how the data cleanup on deletion pages and batches. */
public class CleanOption extends Extensible {
    private Long pageSize;
    private Integer retryCount;
    private Boolean backoffEnabled;
    private Boolean disableBatchConcurrency;
    private Integer batchConcurrency;
    private Integer routineConcurrency;

    public Long getPageSize() { return pageSize; }
    public void setPageSize(Long v) { pageSize = v; }
    public Integer getRetryCount() { return retryCount; }
    public void setRetryCount(Integer v) { retryCount = v; }
    public Boolean getBackoffEnabled() { return backoffEnabled; }
    public void setBackoffEnabled(Boolean v) { backoffEnabled = v; }
    public Boolean getDisableBatchConcurrency() { return disableBatchConcurrency; }
    public void setDisableBatchConcurrency(Boolean v) { disableBatchConcurrency = v; }
    public Integer getBatchConcurrency() { return batchConcurrency; }
    public void setBatchConcurrency(Integer v) { batchConcurrency = v; }
    public Integer getRoutineConcurrency() { return routineConcurrency; }
    public void setRoutineConcurrency(Integer v) { routineConcurrency = v; }
}
