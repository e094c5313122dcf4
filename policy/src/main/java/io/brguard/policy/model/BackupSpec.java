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
 * {@code Backup.spec}: every field of TiDB Operator v2's BackupSpec (api/br/v1alpha1/backup_types.go), with the same
 * JSON names; the StorageProvider (s3, gcs, azblob, local) is inlined, as there. Fields only v1 has land in the
 * additional properties, where the schema reports them as unknown.
 */
public class BackupSpec extends StorageProvider {
    private String backupType;
    private String backupMode;
    private String logSubcommand;
    private Boolean logStop;
    private String logTruncateUntil;
    private String commitTs;
    private List<String> tableFilter;
    private BRConfig br;
    // Other providers are kept as plain trees: brguard only reasons about azblob, but must not drop them.
    private ResourceRequirements resources;
    private List<EnvVar> env;
    private String serviceAccount;
    private String cleanPolicy;
    private CleanOption cleanOption;
    private String toolImage;
    private List<LocalObjectReference> imagePullSecrets;
    private List<Toleration> tolerations;
    private Affinity affinity;
    private PodSecurityContext podSecurityContext;
    private String priorityClassName;
    private List<Volume> additionalVolumes;
    private List<VolumeMount> additionalVolumeMounts;
    private BackoffRetryPolicy backoffRetryPolicy;
    private Boolean useKMS;
    private String storageClassName;
    private String storageSize;
    private Integer volumeBackupInitJobMaxActiveSeconds;

    public String getBackupType() { return backupType; }
    public void setBackupType(String v) { backupType = v; }
    public String getBackupMode() { return backupMode; }
    public void setBackupMode(String v) { backupMode = v; }
    public String getLogSubcommand() { return logSubcommand; }
    public void setLogSubcommand(String v) { logSubcommand = v; }
    public Boolean getLogStop() { return logStop; }
    public void setLogStop(Boolean v) { logStop = v; }
    public String getLogTruncateUntil() { return logTruncateUntil; }
    public void setLogTruncateUntil(String v) { logTruncateUntil = v; }
    public String getCommitTs() { return commitTs; }
    public void setCommitTs(String v) { commitTs = v; }
    public List<String> getTableFilter() { return tableFilter; }
    public void setTableFilter(List<String> v) { tableFilter = v; }
    public BRConfig getBr() { return br; }
    public void setBr(BRConfig v) { br = v; }
    public ResourceRequirements getResources() { return resources; }
    public void setResources(ResourceRequirements v) { resources = v; }
    public List<EnvVar> getEnv() { return env; }
    public void setEnv(List<EnvVar> v) { env = v; }
    public String getServiceAccount() { return serviceAccount; }
    public void setServiceAccount(String v) { serviceAccount = v; }
    public String getCleanPolicy() { return cleanPolicy; }
    public void setCleanPolicy(String v) { cleanPolicy = v; }
    public CleanOption getCleanOption() { return cleanOption; }
    public void setCleanOption(CleanOption v) { cleanOption = v; }
    public String getToolImage() { return toolImage; }
    public void setToolImage(String v) { toolImage = v; }
    public List<LocalObjectReference> getImagePullSecrets() { return imagePullSecrets; }
    public void setImagePullSecrets(List<LocalObjectReference> v) { imagePullSecrets = v; }
    public List<Toleration> getTolerations() { return tolerations; }
    public void setTolerations(List<Toleration> v) { tolerations = v; }
    public Affinity getAffinity() { return affinity; }
    public void setAffinity(Affinity v) { affinity = v; }
    public PodSecurityContext getPodSecurityContext() { return podSecurityContext; }
    public void setPodSecurityContext(PodSecurityContext v) { podSecurityContext = v; }
    public String getPriorityClassName() { return priorityClassName; }
    public void setPriorityClassName(String v) { priorityClassName = v; }
    public List<Volume> getAdditionalVolumes() { return additionalVolumes; }
    public void setAdditionalVolumes(List<Volume> v) { additionalVolumes = v; }
    public List<VolumeMount> getAdditionalVolumeMounts() { return additionalVolumeMounts; }
    public void setAdditionalVolumeMounts(List<VolumeMount> v) { additionalVolumeMounts = v; }
    public BackoffRetryPolicy getBackoffRetryPolicy() { return backoffRetryPolicy; }
    public void setBackoffRetryPolicy(BackoffRetryPolicy v) { backoffRetryPolicy = v; }
    public Boolean getUseKMS() { return useKMS; }
    public void setUseKMS(Boolean v) { useKMS = v; }
    public String getStorageClassName() { return storageClassName; }
    public void setStorageClassName(String v) { storageClassName = v; }
    public String getStorageSize() { return storageSize; }
    public void setStorageSize(String v) { storageSize = v; }
    public Integer getVolumeBackupInitJobMaxActiveSeconds() { return volumeBackupInitJobMaxActiveSeconds; }
    public void setVolumeBackupInitJobMaxActiveSeconds(Integer v) { volumeBackupInitJobMaxActiveSeconds = v; }
}
