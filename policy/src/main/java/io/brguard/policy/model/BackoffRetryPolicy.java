package io.brguard.policy.model;

/** {@code spec.backoffRetryPolicy}: snapshot-mode retry settings (durations in Go syntax). */
public class BackoffRetryPolicy extends Extensible {
    private String minRetryDuration;
    private Integer maxRetryTimes;
    private String retryTimeout;

    public String getMinRetryDuration() { return minRetryDuration; }
    public void setMinRetryDuration(String v) { minRetryDuration = v; }
    public Integer getMaxRetryTimes() { return maxRetryTimes; }
    public void setMaxRetryTimes(Integer v) { maxRetryTimes = v; }
    public String getRetryTimeout() { return retryTimeout; }
    public void setRetryTimeout(String v) { retryTimeout = v; }
}
