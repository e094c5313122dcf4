package io.brguard.controller;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BR Jobs held field by field against what TiDB Operator v2 builds for the same Backup and cluster:
 * pingcap/tidb-operator pkg/controllers/br/manager/backup/backup_manager.go {@code makeBRBackupJob} (Job, pod,
 * env, volumes, image) and the BR command line its tidb-backup-manager runs, cmd/tidb-backup-manager/app/backup/
 * backup.go {@code backupCommandTemplate} with app/util/util.go {@code ConstructBRGlobalOptionsForBackup}.
 */
class BackupJobsTest {
    private static final BackupJobs JOBS = new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager", "Asia/Shanghai");
    private static final Set<String> SHARED_KEY = Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY");
    /** examples/basic of TiDB Operator v2: Cluster demo1, PDGroup pd, TiKVGroup tikv at v8.5.2, no TLS. */
    private static final ClusterTopology BASIC = new ClusterTopology("test1", "demo1", "pd", 2379, "v8.5.2", false);
    /** examples/tls, with a renamed PDGroup on a custom client port in another namespace. */
    private static final ClusterTopology TLS = new ClusterTopology("tidb-prod", "demo1", "pd-main", 23790, "v8.5.2", true);

    static Backup seed(String file) {
        Backup b = Json.toBackup(Fixtures.object(file));
        b.getMetadata().setUid("uid-1");
        return b;
    }

    private static io.fabric8.kubernetes.api.model.Container container(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    @Test
    void buildsTheSeedsSnapshotJobAsTheOperatorDoesForAV2Cluster() {
        Backup b = seed("examples/seed/snapshot/full-backup-azblob.yaml");
        Job job = JOBS.job(b, BrCommand.SNAPSHOT, SHARED_KEY, BASIC);
        // Backup.GetBackupJobName: backup-<name> for a snapshot
        assertEquals("backup-demo1-full-backup-azblob", job.getMetadata().getName());
        assertEquals("test1", job.getMetadata().getNamespace());
        // BackoffLimit: ptr.To(int32(0)); RestartPolicyNever
        assertEquals(0, job.getSpec().getBackoffLimit());
        var pod = job.getSpec().getTemplate().getSpec();
        assertEquals("Never", pod.getRestartPolicy());
        // constants.DefaultServiceAccountName
        assertEquals("tidb-backup-manager", pod.getServiceAccountName());
        // v1alpha1.GetBackupOwnerRef: controller, blockOwnerDeletion (needs backups/finalizers update)
        var owner = job.getMetadata().getOwnerReferences().get(0);
        assertEquals(List.of("br.pingcap.com/v1alpha1", "Backup", "demo1-full-backup-azblob", "uid-1", true, true),
                List.of(owner.getApiVersion(), owner.getKind(), owner.getName(), owner.getUid(), owner.getController(),
                        owner.getBlockOwnerDeletion()));
        // NewBackup().Instance(GetInstanceName()).BackupJob().Backup(name), on the Job and the pod
        for (var labels : List.of(job.getMetadata().getLabels(), job.getSpec().getTemplate().getMetadata().getLabels())) {
            assertEquals("backup", labels.get("app.kubernetes.io/name"));
            assertEquals("backup", labels.get("app.kubernetes.io/component"));
            assertEquals("demo1-full-backup-azblob", labels.get("app.kubernetes.io/instance"));
            assertEquals("demo1-full-backup-azblob", labels.get("tidb.pingcap.com/backup"));
        }
        var c = container(job);
        // brImage := "pingcap/br:" + tikvVersion, pulled IfNotPresent
        assertEquals("pingcap/br:v8.5.2", c.getImage());
        assertEquals("IfNotPresent", c.getImagePullPolicy());
        // backupData: backup <type> [--backupts], then --pd=<pdgroup>-pd.<ns>:<client port>, the global options,
        // the storage (GenStorageArgsForFlag), then the tuning flags
        assertEquals(List.of("/br"), c.getCommand());
        assertEquals(List.of("backup", "full", "--pd=pd-pd.test1:2379", "--storage=azure://my-container/my-full-backup-folder/"),
                c.getArgs());
        // GenerateStorageCertEnv (here by reference to the Secret), BR_LOG_TO_TERM, then TZ (AppendEnvIfPresent)
        assertEquals(List.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "BR_LOG_TO_TERM", "TZ"), c.getEnv().stream().map(EnvVar::getName).toList());
        assertEquals("1", c.getEnv().get(2).getValue());
        assertEquals("Asia/Shanghai", c.getEnv().get(3).getValue());
        // no TLS, no additional volumes: nothing mounted
        assertNull(pod.getVolumes());
        assertNull(c.getVolumeMounts());
    }

    @Test
    void mountsTheClusterClientCertificateAndPassesItToBrWhenTheClusterHasTls() {
        Backup b = seed("examples/seed/log/01-start.yaml");
        Job job = JOBS.job(b, BrCommand.LOG_START, SHARED_KEY, TLS);
        var c = container(job);
        // backupCommandTemplate: --pd, then --ca/--cert/--key under DirPathClusterClientTLS
        assertEquals(List.of("log", "start", "--task-name=demo1-log-backup-azblob", "--pd=pd-main-pd.tidb-prod:23790",
                "--ca=/var/lib/cluster-client-tls/ca.crt", "--cert=/var/lib/cluster-client-tls/tls.crt",
                "--key=/var/lib/cluster-client-tls/tls.key", "--send-credentials-to-tikv=true",
                "--storage=azure://my-container/my-log-backup-folder/"), c.getArgs());
        // makeBRBackupJob: VolumeNameClusterClientTLS from LegacyTLSClusterClientSecretName(spec.br.cluster), read-only
        var volume = job.getSpec().getTemplate().getSpec().getVolumes().get(0);
        assertEquals("ti-cluster-client-tls", volume.getName());
        assertEquals("demo1-cluster-client-secret", volume.getSecret().getSecretName());
        var mount = c.getVolumeMounts().get(0);
        assertEquals(List.of("ti-cluster-client-tls", "/var/lib/cluster-client-tls", true),
                List.of(mount.getName(), mount.getMountPath(), mount.getReadOnly()));
        assertEquals("backup-demo1-log-backup-azblob-log-start", job.getMetadata().getName());
    }

    @Test
    void putsFiltersAsTheOperatorDoesAndOptionsLast() {
        Backup b = seed("examples/seed/filters/multiple-tables.yaml");
        b.getSpec().getBr().setOptions(List.of("--lastbackupts=420134118382108673"));
        b.getSpec().getBr().setConcurrency(4L);
        b.getSpec().getAzblob().setAccessTier("Cool");
        // ConstructBRGlobalOptionsForBackup: "--filter", value as two arguments; a filter wins over --db/--table
        assertEquals(List.of("backup", "full", "--pd=pd-pd.test1:2379", "--send-credentials-to-tikv=false",
                "--storage=azure://my-container/my-folder/", "--azblob.access-tier=Cool", "--filter", "db1.table1",
                "--filter", "db1.table2", "--concurrency=4", "--lastbackupts=420134118382108673"),
                BackupJobs.args(b, BrCommand.SNAPSHOT, BASIC));
    }

    @Test
    void passesDbAndTableOnlyForThoseBackupTypes() {
        Backup b = seed("examples/seed/snapshot/full-backup-azblob.yaml");
        b.getSpec().getBr().setDb("db1");
        b.getSpec().getBr().setTable("t1");
        assertTrue(BackupJobs.args(b, BrCommand.SNAPSHOT, BASIC).stream().noneMatch(a -> a.startsWith("--db") || a.startsWith("--table")),
                "a full backup is never narrowed by br.db/br.table");
        b.getSpec().setBackupType("db");
        assertEquals(List.of("backup", "db", "--pd=pd-pd.test1:2379", "--storage=azure://my-container/my-full-backup-folder/",
                "--db=db1"), BackupJobs.args(b, BrCommand.SNAPSHOT, BASIC));
        b.getSpec().setBackupType("table");
        assertEquals(List.of("backup", "table", "--pd=pd-pd.test1:2379", "--storage=azure://my-container/my-full-backup-folder/",
                "--table=t1", "--db=db1"), BackupJobs.args(b, BrCommand.SNAPSHOT, BASIC));
    }

    @Test
    void theBrImageFollowsTheTikvVersion() {
        Backup b = seed("examples/seed/log/01-start.yaml");
        assertEquals("pingcap/br:v8.5.2", JOBS.image(b.getSpec(), BASIC));
        // toolImage without a tag gets the TiKV version; with one it is used as is
        b.getSpec().setToolImage("registry.example/pingcap/br");
        assertEquals("registry.example/pingcap/br:v8.5.2", JOBS.image(b.getSpec(), BASIC));
        b.getSpec().setToolImage("registry.example/pingcap/br:v8.1.0");
        assertEquals("registry.example/pingcap/br:v8.1.0", JOBS.image(b.getSpec(), BASIC));
        // brguard's --br-image gives the repository (a private registry, even with a port) and, without a TiKV
        // version, the whole image
        b.getSpec().setToolImage(null);
        BackupJobs privateRegistry = new BackupJobs("registry.example:5000/pingcap/br:v8.5.0", "tidb-backup-manager", null);
        assertEquals("registry.example:5000/pingcap/br:v8.5.2", privateRegistry.image(b.getSpec(), BASIC));
        ClusterTopology noVersion = new ClusterTopology("test1", "demo1", "pd", 2379, "", false);
        assertEquals("registry.example:5000/pingcap/br:v8.5.0", privateRegistry.image(b.getSpec(), noVersion));
        assertEquals("registry.example:5000/pingcap/br", new BackupJobs("registry.example:5000/pingcap/br", "sa", null)
                .image(b.getSpec(), noVersion));
    }

    /**
     * A SAS token never stands in the Job: TiDB Operator v2 hands it to BR inside the pod (pkg/controllers/br/
     * manager/util/remote.go makeAzblobConfig; the Job's args are tidb-backup-manager's). brguard keeps it, URL-encoded,
     * in a Secret owned by the Backup and lets the kubelet expand {@code $(BRGUARD_AZBLOB_SAS_TOKEN)} in --storage
     * from a secretKeyRef, so BR reads the same URL as with the token inline.
     */
    @Test
    void keepsTheSasTokenOutOfTheJobAndInASecretOfItsOwn() {
        Backup b = seed("examples/seed/snapshot/full-backup-azblob.yaml");
        b.getMetadata().setUid("1f0c2d3e-0000-4000-8000-00000000000a");
        b.getSpec().getAzblob().setSecretName(null);
        b.getSpec().getAzblob().setStorageAccount("acct");
        String token = "sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2027-01-01T00:00:00Z&sig=a/b+c%3D";
        b.getSpec().getAzblob().setSasToken(token);
        Job job = new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager", null).job(b, BrCommand.SNAPSHOT, Set.of(), BASIC);
        String jobJson = io.brguard.policy.Json.JSON.writeValueAsString(job);
        assertFalse(jobJson.contains("sig="), jobJson);
        assertFalse(jobJson.contains(java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8)), jobJson);
        List<EnvVar> env = container(job).getEnv();
        assertEquals("acct", env.get(0).getValue());
        EnvVar sas = env.stream().filter(e -> e.getName().equals(BackupJobs.SAS_ENV)).findFirst().orElseThrow();
        assertNull(sas.getValue());
        assertEquals(BackupJobs.sasSecretName(b), sas.getValueFrom().getSecretKeyRef().getName());

        io.fabric8.kubernetes.api.model.Secret secret = BackupJobs.sasSecret(b);
        assertEquals("backup-" + b.getMetadata().getName() + "-sas", secret.getMetadata().getName());
        assertEquals(b.getMetadata().getUid(), secret.getMetadata().getOwnerReferences().get(0).getUid());
        String storage = container(job).getArgs().stream().filter(a -> a.startsWith("--storage=")).findFirst().orElseThrow();
        // The kubelet's $(VAR) expansion of args (k8s.io/kubernetes third_party/forked/golang/expansion) with the
        // Secret's value: what BR then reads is the URL TiDB Operator builds (url.Values.Encode, keys sorted).
        String expanded = storage.replace("$(" + BackupJobs.SAS_ENV + ")", secret.getStringData().get(BackupJobs.SAS_KEY));
        assertEquals("--storage=azure://my-container/my-full-backup-folder/?account-name=acct&sas-token="
                + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8), expanded);
        assertNull(BackupJobs.sasSecret(seed("examples/seed/snapshot/full-backup-azblob.yaml")), "no SAS token, no Secret");
    }

    /**
     * The Backup's annotations reach the Job and its pod as makeBRBackupJob copies them (pkg/controllers/br/manager/
     * backup/backup_manager.go: jobAnnotations := backup.Annotations; podAnnotations := jobAnnotations), but not the
     * GitOps and kubectl markers: last-applied-configuration holds the whole spec, a SAS token included.
     */
    @Test
    void copiesTheBackupsAnnotationsToTheJobAndItsPodButNoGitOpsMarkers() {
        Backup b = seed("examples/seed/snapshot/full-backup-azblob.yaml");
        b.getMetadata().setAnnotations(Map.of("team.example.com/owner", "dba",
                "kubectl.kubernetes.io/last-applied-configuration", "{\"spec\":{}}",
                "argocd.argoproj.io/tracking-id", "app:br.pingcap.com/Backup:test1/x"));
        Job job = JOBS.job(b, BrCommand.SNAPSHOT, Set.of(), BASIC);
        assertEquals(Map.of("team.example.com/owner", "dba"), job.getSpec().getTemplate().getMetadata().getAnnotations());
        assertEquals("dba", job.getMetadata().getAnnotations().get("team.example.com/owner"));
        assertFalse(job.getMetadata().getAnnotations().containsKey("kubectl.kubernetes.io/last-applied-configuration"));
        assertFalse(job.getMetadata().getAnnotations().containsKey("argocd.argoproj.io/tracking-id"));
    }

    @Test
    void referencesAzureAdKeysWhenTheSecretHasAllThree() {
        Backup b = seed("examples/seed/filters/all-clusters.yaml");
        Job job = JOBS.job(b, BrCommand.SNAPSHOT, Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"), BASIC);
        List<EnvVar> env = container(job).getEnv().stream().filter(e -> e.getName().startsWith("AZURE_")).toList();
        assertEquals(List.of("AZURE_STORAGE_ACCOUNT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"),
                env.stream().map(EnvVar::getName).toList());
        env.forEach(e -> {
            assertNull(e.getValue(), "no literal value for " + e.getName());
            assertEquals("azblob-secret-ad", e.getValueFrom().getSecretKeyRef().getName());
        });
    }

    /** AppendOverwriteEnv: spec.env replaces a built-in variable where it stands, else comes after; TZ only if unset. */
    @Test
    void specEnvOverridesBuiltInsInPlace() {
        Backup b = seed("examples/seed/log/01-start.yaml");
        b.getSpec().setServiceAccount("br-runner");
        b.getSpec().setEnv(List.of(new EnvVarBuilder().withName("AZURE_STORAGE_ACCOUNT").withValue("override").build(),
                new EnvVarBuilder().withName("TZ").withValue("UTC").build(),
                new EnvVarBuilder().withName("BR_LOG_TO_TERM").withValue("").build()));
        Job job = JOBS.job(b, BrCommand.LOG_START, SHARED_KEY, BASIC);
        var c = container(job);
        assertEquals(List.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "BR_LOG_TO_TERM", "TZ"), c.getEnv().stream().map(EnvVar::getName).toList());
        assertEquals(List.of("override", "", "UTC"), List.of(c.getEnv().get(0).getValue(), c.getEnv().get(2).getValue(), c.getEnv().get(3).getValue()));
        assertEquals("br-runner", job.getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    @Test
    void namesJobsDeterministicallyAndKeepsThemWithin63Characters() {
        String longName = "a-very-long-backup-name-that-goes-on-and-on-for-quite-a-while-really";
        String n1 = BrCommand.LOG_TRUNCATE.jobName(longName);
        assertEquals(n1, BrCommand.LOG_TRUNCATE.jobName(longName));
        assertTrue(n1.length() <= 63, n1);
        assertTrue(!n1.equals(BrCommand.LOG_STOP.jobName(longName)));
        assertEquals("backup-x", BrCommand.SNAPSHOT.jobName("x"));
    }

    @Test
    void readsBackupmetaFieldsAndRefusesGarbage() {
        BackupMetaFile m = new BackupMetaFile(6_987_654_321L, 436568622965194754L, 0, 1_234_567);
        assertEquals(m, BackupMetaFile.parse(m.encode()));
        assertTrue(!m.isSnapshot());
        assertThrows(IllegalArgumentException.class, () -> BackupMetaFile.parse(new byte[] {(byte) 0x0F, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> BackupMetaFile.parse(new byte[] {0x22, 0x7F, 1}), "a file entry past the end");
    }

    /**
     * backupSize as TiDB Operator v2 reports it (cmd/tidb-backup-manager/app/util/util.go GetBRArchiveSize): the
     * backupmeta's backup_size (25) when set; else, for the v1 scheme, the backupmeta's encoded size plus every
     * file's size (backup.File field 11), not the sum of the blobs under the prefix.
     */
    @Test
    void reportsTheArchiveSizeAsTheOperatorDoes() {
        java.io.ByteArrayOutputStream meta = new java.io.ByteArrayOutputStream();
        meta.writeBytes(new BackupMetaFile(7, 436979621972148225L, 436979621972148225L).encode());
        for (int size : new int[] {100, 250}) {
            // File {name: "1_2_default.sst" (1), size (11)} as field 4, length-delimited
            byte[] name = "1_2_default.sst".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
            file.write(0x0A);
            file.write(name.length);
            file.writeBytes(name);
            file.write(11 << 3);
            file.write(0x80 | (size & 0x7F));
            file.write(size >>> 7);
            byte[] f = file.toByteArray();
            meta.write(0x22);
            meta.write(f.length);
            meta.writeBytes(f);
        }
        byte[] v1 = meta.toByteArray();
        assertEquals(v1.length + 350, BackupMetaFile.parse(v1).archiveSize());
        assertEquals(436979621972148225L, BackupMetaFile.parse(v1).endVersion());
        byte[] v2 = new BackupMetaFile(7, 5, 5, 9_876_543_210L).encode();
        assertEquals(9_876_543_210L, BackupMetaFile.parse(v2).archiveSize(), "backup_size wins");
    }
}
