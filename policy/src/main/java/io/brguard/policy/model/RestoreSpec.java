package io.brguard.policy.model;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.util.List;

/**
 * {@code Restore.spec}: every field of TiDB Operator v2's RestoreSpec (api/br/v1alpha1/restore_types.go), with the
 * same JSON names (the StorageProvider inlined: s3, gcs, azblob, local).
 */
public class RestoreSpec extends StorageProvider {
    private ResourceRequirements resources;
    private List<EnvVar> env;
    private String backupType;
    private String restoreMode;
    private BRConfig br;
    private String pitrRestoredTs;
    private String logRestoreStartTs;
    private StorageProvider pitrFullBackupStorageProvider;
    private String storageClassName;
    private String storageSize;
    private List<Toleration> tolerations;
    private Affinity affinity;
    private Boolean useKMS;
    private String serviceAccount;
    private String toolImage;
    private List<LocalObjectReference> imagePullSecrets;
    private List<String> tableFilter;
    private PodSecurityContext podSecurityContext;
    private String priorityClassName;
    private List<Volume> additionalVolumes;
    private List<VolumeMount> additionalVolumeMounts;
    private Boolean tolerateSingleTiKVOutage;
    private Integer backoffLimit;

    public ResourceRequirements getResources() { return resources; }
    public void setResources(ResourceRequirements v) { resources = v; }
    public List<EnvVar> getEnv() { return env; }
    public void setEnv(List<EnvVar> v) { env = v; }
    public String getBackupType() { return backupType; }
    public void setBackupType(String v) { backupType = v; }
    public String getRestoreMode() { return restoreMode; }
    public void setRestoreMode(String v) { restoreMode = v; }
    public BRConfig getBr() { return br; }
    public void setBr(BRConfig v) { br = v; }
    public String getPitrRestoredTs() { return pitrRestoredTs; }
    public void setPitrRestoredTs(String v) { pitrRestoredTs = v; }
    public String getLogRestoreStartTs() { return logRestoreStartTs; }
    public void setLogRestoreStartTs(String v) { logRestoreStartTs = v; }
    public StorageProvider getPitrFullBackupStorageProvider() { return pitrFullBackupStorageProvider; }
    public void setPitrFullBackupStorageProvider(StorageProvider v) { pitrFullBackupStorageProvider = v; }
    public String getStorageClassName() { return storageClassName; }
    public void setStorageClassName(String v) { storageClassName = v; }
    public String getStorageSize() { return storageSize; }
    public void setStorageSize(String v) { storageSize = v; }
    public List<Toleration> getTolerations() { return tolerations; }
    public void setTolerations(List<Toleration> v) { tolerations = v; }
    public Affinity getAffinity() { return affinity; }
    public void setAffinity(Affinity v) { affinity = v; }
    public Boolean getUseKMS() { return useKMS; }
    public void setUseKMS(Boolean v) { useKMS = v; }
    public String getServiceAccount() { return serviceAccount; }
    public void setServiceAccount(String v) { serviceAccount = v; }
    public String getToolImage() { return toolImage; }
    public void setToolImage(String v) { toolImage = v; }
    public List<LocalObjectReference> getImagePullSecrets() { return imagePullSecrets; }
    public void setImagePullSecrets(List<LocalObjectReference> v) { imagePullSecrets = v; }
    public List<String> getTableFilter() { return tableFilter; }
    public void setTableFilter(List<String> v) { tableFilter = v; }
    public PodSecurityContext getPodSecurityContext() { return podSecurityContext; }
    public void setPodSecurityContext(PodSecurityContext v) { podSecurityContext = v; }
    public String getPriorityClassName() { return priorityClassName; }
    public void setPriorityClassName(String v) { priorityClassName = v; }
    public List<Volume> getAdditionalVolumes() { return additionalVolumes; }
    public void setAdditionalVolumes(List<Volume> v) { additionalVolumes = v; }
    public List<VolumeMount> getAdditionalVolumeMounts() { return additionalVolumeMounts; }
    public void setAdditionalVolumeMounts(List<VolumeMount> v) { additionalVolumeMounts = v; }
    public Boolean getTolerateSingleTiKVOutage() { return tolerateSingleTiKVOutage; }
    public void setTolerateSingleTiKVOutage(Boolean v) { tolerateSingleTiKVOutage = v; }
    public Integer getBackoffLimit() { return backoffLimit; }
    public void setBackoffLimit(Integer v) { backoffLimit = v; }
}
