package io.brguard.policy.model;

/** One entry of {@code status.backoffRetryStatus} (snapshot retries). */
public class BackoffRetryRecord extends Extensible {
    private Integer retryNum;
    private String detectFailedAt;
    private String expectedRetryAt;
    private String realRetryAt;
    private String retryReason;
    private String originalReason;

    public Integer getRetryNum() { return retryNum; }
    public void setRetryNum(Integer v) { retryNum = v; }
    public String getDetectFailedAt() { return detectFailedAt; }
    public void setDetectFailedAt(String v) { detectFailedAt = v; }
    public String getExpectedRetryAt() { return expectedRetryAt; }
    public void setExpectedRetryAt(String v) { expectedRetryAt = v; }
    public String getRealRetryAt() { return realRetryAt; }
    public void setRealRetryAt(String v) { realRetryAt = v; }
    public String getRetryReason() { return retryReason; }
    public void setRetryReason(String v) { retryReason = v; }
    public String getOriginalReason() { return originalReason; }
    public void setOriginalReason(String v) { originalReason = v; }
}
