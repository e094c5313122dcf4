package io.brguard.policy.model;

/**
 * {@code status.cleanProgress}: brguard's own record of a cleanPolicy Delete cleanup: how many blobs are deleted
 * so far and when it last moved (deleted blobs leave the listing, so no listing position is needed to resume).
 */
public class CleanProgress extends Extensible {
    private Long deletedBlobs;
    private String lastUpdated;

    public Long getDeletedBlobs() { return deletedBlobs; }
    public void setDeletedBlobs(Long v) { deletedBlobs = v; }
    public String getLastUpdated() { return lastUpdated; }
    public void setLastUpdated(String v) { lastUpdated = v; }
}
