package io.brguard.policy.model;

/**
 * {@code status.cleanProgress}: brguard's own record of a cleanPolicy Delete cleanup, so a restarted controller
 * resumes where the last one stopped instead of listing the prefix again from the start.
 */
public class CleanProgress extends Extensible {
    private Long deletedBlobs;
    private String continuationToken;
    private String lastUpdated;

    public Long getDeletedBlobs() { return deletedBlobs; }
    public void setDeletedBlobs(Long v) { deletedBlobs = v; }
    public String getContinuationToken() { return continuationToken; }
    public void setContinuationToken(String v) { continuationToken = v; }
    public String getLastUpdated() { return lastUpdated; }
    public void setLastUpdated(String v) { lastUpdated = v; }
}
