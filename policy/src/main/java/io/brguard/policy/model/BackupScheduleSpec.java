package io.brguard.policy.model;

import io.fabric8.kubernetes.api.model.LocalObjectReference;

import java.util.List;
import java.util.Map;

/**
 * {@code BackupSchedule.spec}: every field of TiDB Operator v2's BackupScheduleSpec
 * (api/br/v1alpha1/backupschedule_types.go), with the same JSON names. The storage providers and {@code br} at the
 * top level are inlined there too but no Backup is built from them (v1's buildBackup reads only the templates).
 */
public class BackupScheduleSpec extends StorageProvider {
    private String schedule;
    private Boolean pause;
    private Integer maxBackups;
    private String maxReservedTime;
    private String compactSpan;
    private BackupSpec backupTemplate;
    private BackupSpec logBackupTemplate;
    // CompactSpec is kept as a tree: brguard creates no CompactBackup, it only says so.
    private Map<String, Object> compactBackupTemplate;
    private String storageClassName;
    private String storageSize;
    private List<LocalObjectReference> imagePullSecrets;
    private BRConfig br;

    public String getSchedule() { return schedule; }
    public void setSchedule(String v) { schedule = v; }
    public Boolean getPause() { return pause; }
    public void setPause(Boolean v) { pause = v; }
    public Integer getMaxBackups() { return maxBackups; }
    public void setMaxBackups(Integer v) { maxBackups = v; }
    public String getMaxReservedTime() { return maxReservedTime; }
    public void setMaxReservedTime(String v) { maxReservedTime = v; }
    public String getCompactSpan() { return compactSpan; }
    public void setCompactSpan(String v) { compactSpan = v; }
    public BackupSpec getBackupTemplate() { return backupTemplate; }
    public void setBackupTemplate(BackupSpec v) { backupTemplate = v; }
    public BackupSpec getLogBackupTemplate() { return logBackupTemplate; }
    public void setLogBackupTemplate(BackupSpec v) { logBackupTemplate = v; }
    public Map<String, Object> getCompactBackupTemplate() { return compactBackupTemplate; }
    public void setCompactBackupTemplate(Map<String, Object> v) { compactBackupTemplate = v; }
    public String getStorageClassName() { return storageClassName; }
    public void setStorageClassName(String v) { storageClassName = v; }
    public String getStorageSize() { return storageSize; }
    public void setStorageSize(String v) { storageSize = v; }
    public List<LocalObjectReference> getImagePullSecrets() { return imagePullSecrets; }
    public void setImagePullSecrets(List<LocalObjectReference> v) { imagePullSecrets = v; }
    public BRConfig getBr() { return br; }
    public void setBr(BRConfig v) { br = v; }
}
