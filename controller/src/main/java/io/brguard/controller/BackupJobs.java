package io.brguard.controller;

import io.brguard.policy.Specs;
import io.brguard.policy.model.BRConfig;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSpec;
import io.brguard.policy.schedule.ScheduledBackups;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the batch/v1 Job for a Backup and a BR command the way TiDB Operator v2 builds its backup Jobs
 * (pingcap/tidb-operator pkg/controllers/br/manager/backup/backup_manager.go {@code makeBRBackupJob}, and the BR
 * command line its tidb-backup-manager then runs, cmd/tidb-backup-manager/app/backup/backup.go
 * {@code backupCommandTemplate}): deterministic name, owner reference, labels, backoffLimit 0, restartPolicy Never,
 * {@code --pd} from the cluster's first PDGroup, the cluster client certificate when the Cluster has TLS on, the BR
 * image following the TiKVGroup's version, {@code BR_LOG_TO_TERM} and the controller's {@code TZ}, the Backup's
 * annotations on the Job and its pod (makeBRBackupJob copies them verbatim; the GitOps tools' tracking markers are
 * left out here, {@code kubectl.kubernetes.io/last-applied-configuration} above all, which holds the whole spec).
 * One difference by design: the Job's container is BR itself, not tidb-backup-manager with BR copied in by an init
 * container; brguard's controller reads the outcome from the Job and the backupmeta. Credentials reach BR as env
 * vars referencing a Secret (secretKeyRef): no value is in the Job. A SAS token (spec.azblob.sasToken), which
 * TiDB Operator passes to BR inside the pod where the Job spec never shows it, is kept in a Secret of its own
 * ({@link #sasSecret}) and reaches {@code --storage} through Kubernetes' {@code $(VAR)} expansion of args. Pure.
 */
public final class BackupJobs {
    public static final String LABEL_BACKUP = "tidb.pingcap.com/backup";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "brguard-controller";
    public static final String ANNOTATION_OBSERVED = "brguard.io/observed";
    public static final String ANNOTATION_TRUNCATE_UNTIL = "brguard.io/truncate-until";
    public static final String ANNOTATION_GENERATION = "brguard.io/backup-generation";
    private static final List<String> AAD = List.of("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID");
    /** The Jobs' ServiceAccount when spec.serviceAccount is empty (pkg/controllers/br/manager/constants). */
    public static final String DEFAULT_SERVICE_ACCOUNT = "tidb-backup-manager";
    /** The env var the kubelet expands into --storage, and the key of the SAS token's Secret. */
    public static final String SAS_ENV = "BRGUARD_AZBLOB_SAS_TOKEN";
    public static final String SAS_KEY = "sas-token";

    private final String defaultImage;
    private final String serviceAccountDefault;
    private final String timeZone;

    /** With the controller's own TZ passed on to the Jobs. */
    public BackupJobs(String defaultImage, String serviceAccountDefault) {
        this(defaultImage, serviceAccountDefault, System.getenv("TZ"));
    }

    /**
     * @param defaultImage BR image when the Backup has no toolImage: its repository with the TiKVGroup's version
     *                     as the tag, or the image as given when the TiKVGroup has no version
     * @param timeZone     the controller's TZ (null: none), which TiDB Operator passes to its Jobs
     *                     ({@code util.AppendEnvIfPresent(envVars, "TZ")})
     */
    public BackupJobs(String defaultImage, String serviceAccountDefault, String timeZone) {
        this.defaultImage = defaultImage;
        this.serviceAccountDefault = serviceAccountDefault;
        this.timeZone = timeZone;
    }

    /** The ServiceAccount the Backup's Jobs run as. */
    public String serviceAccount(Backup b) {
        String sa = b.getSpec().getServiceAccount();
        return sa == null || sa.isEmpty() ? serviceAccountDefault : sa;
    }

    /**
     * The BR image: toolImage, with the TiKV version as its tag when it has none ({@code strings.ContainsRune(
     * toolImage, ':')}); else {@code pingcap/br:<tikv version>} in TiDB Operator, here the repository of the
     * controller's --br-image with that tag, so a private registry keeps working.
     */
    String image(BackupSpec spec, ClusterTopology topology) {
        String version = topology.tikvVersion();
        String tool = spec.getToolImage();
        if (tool != null && !tool.isEmpty()) {
            return tool.indexOf(':') >= 0 || version.isEmpty() ? tool : tool + ":" + version;
        }
        if (version.isEmpty()) {
            return defaultImage;
        }
        int slash = defaultImage.lastIndexOf('/');
        int colon = defaultImage.lastIndexOf(':');
        String repository = colon > slash ? defaultImage.substring(0, colon) : defaultImage;
        return repository + ":" + version;
    }

    /** @param secretKeys key names of spec.azblob.secretName's Secret (values are never read here) */
    public Job job(Backup b, BrCommand cmd, Set<String> secretKeys, ClusterTopology topology) {
        BackupSpec spec = b.getSpec();
        String ns = Specs.namespace(b);
        String name = Specs.name(b);
        Map<String, String> labels = new LinkedHashMap<>();
        if (b.getMetadata().getLabels() != null) {
            labels.putAll(b.getMetadata().getLabels());
        }
        // api/meta/v1alpha1/label.go: NewBackup().Instance(GetInstanceName()).BackupJob().Backup(name); the Backup's
        // own labels do not override these (util.CombineStringMap keeps the first).
        labels.put("app.kubernetes.io/name", "backup");
        labels.put("app.kubernetes.io/component", "backup");
        String instance = b.getMetadata().getLabels() == null ? null : b.getMetadata().getLabels().get("app.kubernetes.io/instance");
        labels.put("app.kubernetes.io/instance", instance == null ? name : instance);
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        labels.put(LABEL_BACKUP, name);
        Map<String, String> annotations = new LinkedHashMap<>(ScheduledBackups.copied(b.getMetadata().getAnnotations()));
        annotations.put(ANNOTATION_GENERATION, String.valueOf(b.getMetadata().getGeneration() == null ? 0 : b.getMetadata().getGeneration()));
        if (cmd == BrCommand.LOG_TRUNCATE) {
            annotations.put(ANNOTATION_TRUNCATE_UNTIL, spec.getLogTruncateUntil());
        }
        String image = image(spec, topology);
        List<EnvVar> env = new ArrayList<>(credentialEnv(b, secretKeys));
        // Without it BR logs to a file inside the pod and `kubectl logs` shows nothing useful. TiDB Operator sets
        // string(rune(1)), a control character; BR only asks whether the variable is set.
        env.add(new EnvVarBuilder().withName("BR_LOG_TO_TERM").withValue("1").build());
        if (spec.getEnv() != null) {
            // spec.env overrides a built-in variable of the same name in its place, or comes after (AppendOverwriteEnv)
            for (EnvVar e : spec.getEnv()) {
                boolean matched = false;
                for (int i = 0; i < env.size(); i++) {
                    if (env.get(i).getName().equals(e.getName())) {
                        env.set(i, e);
                        matched = true;
                    }
                }
                if (!matched) {
                    env.add(e);
                }
            }
        }
        if (timeZone != null && env.stream().noneMatch(e -> e.getName().equals("TZ"))) {
            env.add(new EnvVarBuilder().withName("TZ").withValue(timeZone).build());
        }
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        if (topology.tls()) {
            volumes.add(new VolumeBuilder().withName(ClusterTopology.TLS_VOLUME).withNewSecret()
                    .withSecretName(topology.tlsSecret()).endSecret().build());
            mounts.add(new VolumeMountBuilder().withName(ClusterTopology.TLS_VOLUME).withReadOnly(true)
                    .withMountPath(ClusterTopology.TLS_DIR).build());
        }
        if (spec.getAdditionalVolumes() != null) {
            volumes.addAll(spec.getAdditionalVolumes());
        }
        if (spec.getAdditionalVolumeMounts() != null) {
            mounts.addAll(spec.getAdditionalVolumeMounts());
        }
        return new JobBuilder()
                .withNewMetadata().withName(cmd.jobName(name)).withNamespace(ns).withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(Backup.API_VERSION).withKind(Backup.KIND)
                        .withName(name).withUid(b.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec().withBackoffLimit(0)
                .withNewTemplate().withNewMetadata().withLabels(labels).withAnnotations(podAnnotations(b)).endMetadata()
                .withNewSpec().withRestartPolicy("Never")
                .withServiceAccountName(serviceAccount(b))
                .withImagePullSecrets(spec.getImagePullSecrets()).withTolerations(spec.getTolerations())
                .withAffinity(spec.getAffinity()).withSecurityContext(spec.getPodSecurityContext())
                .withPriorityClassName(spec.getPriorityClassName()).withVolumes(volumes.isEmpty() ? null : volumes)
                .addNewContainer().withName("br").withImage(image).withImagePullPolicy("IfNotPresent").withCommand("/br")
                .withArgs(args(b, cmd, topology))
                .withEnv(env).withResources(spec.getResources()).withVolumeMounts(mounts.isEmpty() ? null : mounts)
                .endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    /**
     * The BR argument list (after /br), in tidb-backup-manager's order (backupCommandTemplate): the command, --pd,
     * the TLS files, BR's global options, the storage, the filters or --table/--db, then the tuning flags and
     * br.options last ("highest priority").
     */
    public static List<String> args(Backup b, BrCommand cmd, ClusterTopology topology) {
        BackupSpec spec = b.getSpec();
        BRConfig br = spec.getBr();
        List<String> a = new ArrayList<>();
        String name = Specs.name(b);
        switch (cmd) {
            case SNAPSHOT -> {
                String type = spec.getBackupType() == null || spec.getBackupType().isEmpty() ? "full" : spec.getBackupType();
                a.addAll(List.of("backup", type));
                if (notBlank(spec.getCommitTs())) {
                    a.add("--backupts=" + spec.getCommitTs());
                }
            }
            case LOG_START -> {
                a.addAll(List.of("log", "start", "--task-name=" + name));
                if (notBlank(spec.getCommitTs()) && !"0".equals(spec.getCommitTs())) {
                    a.add("--start-ts=" + spec.getCommitTs());
                }
            }
            case LOG_PAUSE -> a.addAll(List.of("log", "pause", "--task-name=" + name));
            case LOG_RESUME -> a.addAll(List.of("log", "resume", "--task-name=" + name));
            case LOG_STOP -> a.addAll(List.of("log", "stop", "--task-name=" + name));
            case LOG_TRUNCATE -> a.addAll(List.of("log", "truncate", "--until=" + spec.getLogTruncateUntil()));
        }
        a.add("--pd=" + topology.pdAddress());
        if (topology.tls()) {
            a.add("--ca=" + ClusterTopology.TLS_DIR + "/ca.crt");
            a.add("--cert=" + ClusterTopology.TLS_DIR + "/tls.crt");
            a.add("--key=" + ClusterTopology.TLS_DIR + "/tls.key");
        }
        if (br.getLogLevel() != null) {
            a.add("--log-level=" + br.getLogLevel());
        }
        if (br.getStatusAddr() != null) {
            a.add("--status-addr=" + br.getStatusAddr());
        }
        if (br.getSendCredToTikv() != null) {
            a.add("--send-credentials-to-tikv=" + br.getSendCredToTikv());
        }
        a.add("--storage=" + storageArg(b));
        if (notBlank(spec.getAzblob().getAccessTier())) {
            a.add("--azblob.access-tier=" + spec.getAzblob().getAccessTier());
        }
        if (spec.getTableFilter() != null && !spec.getTableFilter().isEmpty()) {
            spec.getTableFilter().forEach(f -> a.addAll(List.of("--filter", f)));
        } else if (cmd == BrCommand.SNAPSHOT && "table".equals(spec.getBackupType())) {
            // ConstructBRGlobalOptionsForBackup: --table and --db for a table backup, --db for a db backup, none
            // for full (a br.db on a full backup would narrow it without saying so)
            if (notBlank(br.getTable())) {
                a.add("--table=" + br.getTable());
            }
            if (notBlank(br.getDb())) {
                a.add("--db=" + br.getDb());
            }
        } else if (cmd == BrCommand.SNAPSHOT && "db".equals(spec.getBackupType()) && notBlank(br.getDb())) {
            a.add("--db=" + br.getDb());
        }
        if (br.getConcurrency() != null) {
            a.add("--concurrency=" + br.getConcurrency());
        }
        if (br.getRateLimit() != null) {
            a.add("--ratelimit=" + br.getRateLimit());
        }
        if (br.getTimeAgo() != null) {
            a.add("--timeago=" + br.getTimeAgo());
        }
        if (br.getChecksum() != null) {
            a.add("--checksum=" + br.getChecksum());
        }
        if (br.getCheckRequirements() != null) {
            a.add("--check-requirements=" + br.getCheckRequirements());
        }
        if (br.getOptions() != null) {
            a.addAll(br.getOptions()); // last: "highest priority"
        }
        return a;
    }

    /** The Backup's annotations as the Job's pod carries them: the Job's own brguard annotations are not among them. */
    private static Map<String, String> podAnnotations(Backup b) {
        Map<String, String> copied = ScheduledBackups.copied(b.getMetadata().getAnnotations());
        return copied.isEmpty() ? null : copied;
    }

    /**
     * {@code azure://container/prefix/} plus the account and the SAS token, keys sorted, as BR reads them from
     * --storage. The token is the {@code $(}{@value #SAS_ENV}{@code )} reference the kubelet expands from the
     * Secret, never its value.
     */
    public static String storageArg(Backup b) {
        Specs.AzureLocation loc = Specs.location(b).orElseThrow();
        Map<String, String> q = new TreeMap<>();
        if (notBlank(b.getSpec().getAzblob().getStorageAccount())) {
            q.put("account-name", URLEncoder.encode(b.getSpec().getAzblob().getStorageAccount(), StandardCharsets.UTF_8));
        }
        if (notBlank(b.getSpec().getAzblob().getSasToken())) {
            q.put("sas-token", "$(" + SAS_ENV + ")");
        }
        StringBuilder sb = new StringBuilder(loc.url());
        String sep = "?";
        for (var e : q.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = "&";
        }
        return sb.toString();
    }

    /** The name of the Secret that holds a Backup's SAS token for its Jobs. */
    public static String sasSecretName(Backup b) {
        return JobNames.fit("backup-" + Specs.name(b) + "-sas");
    }

    /**
     * The Secret holding the Backup's SAS token, URL-encoded as it stands in --storage, owned by the Backup (gone
     * with it); null when the Backup has no SAS token.
     */
    public static Secret sasSecret(Backup b) {
        String token = b.getSpec().getAzblob() == null ? null : b.getSpec().getAzblob().getSasToken();
        if (!notBlank(token)) {
            return null;
        }
        return new SecretBuilder().withNewMetadata().withName(sasSecretName(b)).withNamespace(Specs.namespace(b))
                .withLabels(Map.of(LABEL_MANAGED_BY, MANAGED_BY, LABEL_BACKUP, JobNames.fit(Specs.name(b))))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(Backup.API_VERSION).withKind(Backup.KIND)
                        .withName(Specs.name(b)).withUid(b.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withType("Opaque").withStringData(Map.of(SAS_KEY, URLEncoder.encode(token, StandardCharsets.UTF_8))).build();
    }

    /** AZURE_STORAGE_ACCOUNT (literal from the spec, else from the Secret), then AAD or the shared key by reference. */
    static List<EnvVar> credentialEnv(Backup b, Set<String> keys) {
        BackupSpec spec = b.getSpec();
        List<EnvVar> env = new ArrayList<>();
        String secret = spec.getAzblob().getSecretName();
        String account = spec.getAzblob().getStorageAccount();
        if (notBlank(account)) {
            env.add(new EnvVarBuilder().withName("AZURE_STORAGE_ACCOUNT").withValue(account).build());
        } else if (notBlank(secret)) {
            env.add(ref("AZURE_STORAGE_ACCOUNT", secret));
        }
        if (notBlank(spec.getAzblob().getAccessTier())) {
            env.add(new EnvVarBuilder().withName("AZURE_ACCESS_TIER").withValue(spec.getAzblob().getAccessTier()).build());
        }
        if (notBlank(spec.getAzblob().getSasToken())) {
            // SAS: the token comes from its own Secret into --storage; the Secret's keys are skipped
            env.add(new EnvVarBuilder().withName(SAS_ENV).withNewValueFrom().withNewSecretKeyRef()
                    .withName(sasSecretName(b)).withKey(SAS_KEY).withOptional(false).endSecretKeyRef().endValueFrom().build());
            return env;
        }
        if (!notBlank(secret)) {
            return env;
        }
        if (keys.containsAll(AAD)) {
            AAD.forEach(k -> env.add(ref(k, secret)));
        } else {
            env.add(ref("AZURE_STORAGE_KEY", secret));
        }
        return env;
    }

    private static EnvVar ref(String key, String secret) {
        return new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).withOptional(false).endSecretKeyRef().endValueFrom().build();
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isEmpty();
    }
}
