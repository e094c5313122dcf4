package io.brguard.controller;

import io.brguard.policy.Specs;
import io.brguard.policy.model.BRConfig;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
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
 * Builds the batch/v1 Job for a Backup and a BR command, as TiDB Operator does: deterministic name, owner
 * reference, labels, backoffLimit 0 (no retry on error), restartPolicy Never, and the BR command line for Azure.
 * Credentials reach BR as env vars referencing the Secret (secretKeyRef): no value is copied into the Job. Pure.
 */
public final class BackupJobs {
    public static final String LABEL_BACKUP = "tidb.pingcap.com/backup";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "brguard-controller";
    public static final String ANNOTATION_OBSERVED = "brguard.io/observed";
    public static final String ANNOTATION_TRUNCATE_UNTIL = "brguard.io/truncate-until";
    public static final String ANNOTATION_GENERATION = "brguard.io/backup-generation";
    private static final List<String> AAD = List.of("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID");

    private final String defaultImage;
    private final String serviceAccountDefault;

    /** @param defaultImage BR image when the Backup has no toolImage, e.g. pingcap/br:v8.5.0 */
    public BackupJobs(String defaultImage, String serviceAccountDefault) {
        this.defaultImage = defaultImage;
        this.serviceAccountDefault = serviceAccountDefault;
    }

    /** @param secretKeys key names of spec.azblob.secretName's Secret (values are never read here) */
    public Job job(Backup b, BrCommand cmd, Set<String> secretKeys) {
        BackupSpec spec = b.getSpec();
        String ns = Specs.namespace(b);
        String name = Specs.name(b);
        Map<String, String> labels = new LinkedHashMap<>();
        if (b.getMetadata().getLabels() != null) {
            labels.putAll(b.getMetadata().getLabels());
        }
        labels.put("app.kubernetes.io/name", "backup");
        labels.put("app.kubernetes.io/component", "backup");
        labels.put("app.kubernetes.io/instance", name);
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        labels.put(LABEL_BACKUP, name);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ANNOTATION_GENERATION, String.valueOf(b.getMetadata().getGeneration() == null ? 0 : b.getMetadata().getGeneration()));
        if (cmd == BrCommand.LOG_TRUNCATE) {
            annotations.put(ANNOTATION_TRUNCATE_UNTIL, spec.getLogTruncateUntil());
        }
        String image = spec.getToolImage() == null || spec.getToolImage().isEmpty() ? defaultImage : spec.getToolImage();
        List<EnvVar> env = new ArrayList<>(credentialEnv(spec, secretKeys));
        if (spec.getEnv() != null) {
            // spec.env overrides the built-in variables of the same name (TiDB Operator's AppendOverwriteEnv)
            spec.getEnv().forEach(e -> env.removeIf(x -> x.getName().equals(e.getName())));
            env.addAll(spec.getEnv());
        }
        return new JobBuilder()
                .withNewMetadata().withName(cmd.jobName(name)).withNamespace(ns).withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(Backup.API_VERSION).withKind(Backup.KIND)
                        .withName(name).withUid(b.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec().withBackoffLimit(0)
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withRestartPolicy("Never")
                .withServiceAccountName(spec.getServiceAccount() == null ? serviceAccountDefault : spec.getServiceAccount())
                .withImagePullSecrets(spec.getImagePullSecrets()).withTolerations(spec.getTolerations())
                .withAffinity(spec.getAffinity()).withSecurityContext(spec.getPodSecurityContext())
                .withPriorityClassName(spec.getPriorityClassName()).withVolumes(spec.getAdditionalVolumes())
                .addNewContainer().withName("br").withImage(image).withCommand("/br").withArgs(args(b, cmd))
                .withEnv(env).withResources(spec.getResources()).withVolumeMounts(spec.getAdditionalVolumeMounts())
                .endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    /** The BR argument list (after /br), following TiDB Operator's backupCommandTemplate for Azure. */
    public static List<String> args(Backup b, BrCommand cmd) {
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
        Specs.ClusterRef cluster = Specs.cluster(b).orElseThrow();
        a.add("--pd=" + cluster.name() + "-pd." + cluster.namespace() + ":2379");
        if (br.getLogLevel() != null) {
            a.add("--log-level=" + br.getLogLevel());
        }
        if (br.getStatusAddr() != null) {
            a.add("--status-addr=" + br.getStatusAddr());
        }
        if (br.getSendCredToTikv() != null) {
            a.add("--send-credentials-to-tikv=" + br.getSendCredToTikv());
        }
        a.add("--storage=" + storageUrl(b));
        if (notBlank(spec.getAzblob().getAccessTier())) {
            a.add("--azblob.access-tier=" + spec.getAzblob().getAccessTier());
        }
        if (spec.getTableFilter() != null && !spec.getTableFilter().isEmpty()) {
            spec.getTableFilter().forEach(f -> a.add("--filter=" + f));
        } else if (cmd == BrCommand.SNAPSHOT) {
            if (notBlank(br.getDb())) {
                a.add("--db=" + br.getDb());
            }
            if (notBlank(br.getTable())) {
                a.add("--table=" + br.getTable());
            }
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

    /** {@code azure://container/prefix/} plus the account and SAS token from the spec only, keys sorted. */
    public static String storageUrl(Backup b) {
        Specs.AzureLocation loc = Specs.location(b).orElseThrow();
        Map<String, String> q = new TreeMap<>();
        if (notBlank(b.getSpec().getAzblob().getStorageAccount())) {
            q.put("account-name", b.getSpec().getAzblob().getStorageAccount());
        }
        if (notBlank(b.getSpec().getAzblob().getSasToken())) {
            q.put("sas-token", b.getSpec().getAzblob().getSasToken());
        }
        StringBuilder sb = new StringBuilder(loc.url());
        String sep = "?";
        for (var e : q.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = "&";
        }
        return sb.toString();
    }

    /** AZURE_STORAGE_ACCOUNT (literal from the spec, else from the Secret), then AAD or the shared key by reference. */
    static List<EnvVar> credentialEnv(BackupSpec spec, Set<String> keys) {
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
        if (notBlank(spec.getAzblob().getSasToken()) || !notBlank(secret)) {
            return env; // SAS: the token travels in the --storage URL, the Secret's keys are skipped
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
