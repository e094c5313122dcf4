package io.brguard.policy.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.Map;

/**
 * TiDB Operator's StorageProvider: one of s3, gcs, azblob, local. Only azblob is typed; the others are kept as trees.
 * On its own as {@code Restore.spec.pitrFullBackupStorageProvider} holds it, and inlined in the Backup, Restore and
 * BackupSchedule specs (Go's {@code StorageProvider `json:",inline"`}), which extend it.
 */
public class StorageProvider extends Extensible {
    private AzblobStorageProvider azblob;
    private Map<String, Object> s3;
    private Map<String, Object> gcs;
    private Map<String, Object> local;

    public AzblobStorageProvider getAzblob() { return azblob; }
    public void setAzblob(AzblobStorageProvider v) { azblob = v; }
    public Map<String, Object> getS3() { return s3; }
    public void setS3(Map<String, Object> v) { s3 = v; }
    public Map<String, Object> getGcs() { return gcs; }
    public void setGcs(Map<String, Object> v) { gcs = v; }
    public Map<String, Object> getLocal() { return local; }
    public void setLocal(Map<String, Object> v) { local = v; }

    /**
     * Whether a provider is set: TiDB Operator's GetStoragePath answers without an error exactly then. Not a field:
     * without the annotation Jackson wrote it as {@code "set": true}.
     */
    @JsonIgnore
    public boolean isSet() {
        return azblob != null || s3 != null || gcs != null || local != null;
    }
}
