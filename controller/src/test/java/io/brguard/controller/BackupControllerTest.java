package io.brguard.controller;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The controller against the fabric8 CRUD mock API (CRD registered) and Azurite; Job outcomes are simulated. */
@ExtendWith(Azurite.class)
@EnableKubernetesMockClient(crud = true)
class BackupControllerTest {
    static KubernetesClient client;
    static BlobContainerClient container;
    BackupController controller;

    @BeforeAll
    static void cluster() {
        MockCluster.install(client);
        MockCluster.secret(client, "wrong-key", "d3Jvbmcta2V5LWZvci10ZXN0cw==");
        container = Azurite.container("my-container");
    }

    @BeforeEach
    void start() throws Exception {
        controller = newController();
    }

    static BackupController newController() throws Exception {
        BackupController c = new BackupController(client, new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager"),
                new AzureStorage(Azurite.endpoint(), Duration.ofSeconds(20)),
                new Planner(new Planner.Settings(Duration.ofMillis(300), Duration.ofSeconds(5), Duration.ofSeconds(1))), Clock.systemUTC(), 2, 3);
        c.start(Duration.ofSeconds(60));
        return c;
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    // ------------------------------------------------------------------ snapshot

    @Test
    void runsASnapshotAsABrJobAndCompletesItFromBackupmeta() {
        String name = unique("full");
        Backup b = snapshot(name, name);
        create(b);
        Job job = await(() -> job("backup-" + name), "the backup Job");
        assertEquals(0, job.getSpec().getBackoffLimit());
        assertEquals("Never", job.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertEquals(name, job.getMetadata().getOwnerReferences().get(0).getName());
        assertEquals("Backup", job.getMetadata().getOwnerReferences().get(0).getKind());
        assertEquals(name, job.getMetadata().getLabels().get("tidb.pingcap.com/backup"));
        var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        // demo1's TiKVGroup is at v8.5.2 and its first PDGroup is named pd (src/test/resources/v2-clusters.yaml)
        assertEquals("pingcap/br:v8.5.2", c.getImage());
        assertEquals(List.of("backup", "full"), c.getArgs().subList(0, 2));
        assertTrue(c.getArgs().contains("--pd=pd-pd.test1:2379"), c.getArgs().toString());
        assertTrue(c.getEnv().stream().anyMatch(e -> e.getName().equals("BR_LOG_TO_TERM")), "BR logs to the pod's output");
        assertTrue(c.getArgs().contains("--storage=azure://my-container/" + name + "/"), c.getArgs().toString());
        var key = c.getEnv().stream().filter(e -> e.getName().equals("AZURE_STORAGE_KEY")).findFirst().orElseThrow();
        assertNull(key.getValue(), "no Secret value in the Job");
        assertEquals("azblob-secret", key.getValueFrom().getSecretKeyRef().getName());
        Backup scheduled = await(() -> phase(name, "Scheduled"), "phase Scheduled");
        assertEquals("azure://my-container/" + name + "/", scheduled.getStatus().getBackupPath());

        container.getBlobClient(name + "/backupmeta").upload(BinaryData.fromBytes(
                new BackupMetaFile(7, 436979621972148225L, 436979621972148225L, 8_388_608).encode()));
        container.getBlobClient(name + "/1_2_default.sst").upload(BinaryData.fromBytes(new byte[4096]));
        finish(job, true);
        Backup done = await(() -> phase(name, "Complete"), "phase Complete");
        assertEquals("436979621972148225", done.getStatus().getCommitTs());
        // the backupmeta's archive size (GetBRArchiveSize), not the blobs under the prefix; humanize.Bytes' form
        assertEquals(8_388_608L, done.getStatus().getBackupSize());
        assertEquals("8.4 MB", done.getStatus().getBackupSizeReadable());
        assertNotNull(done.getStatus().getTimeCompleted());
        await(() -> observed(job("backup-" + name)) ? true : null, "the Job marked observed");
    }

    @Test
    void failsThePreflightWhenThePrefixAlreadyHoldsABackup() {
        String name = unique("reused");
        container.getBlobClient(name + "/backupmeta").upload(BinaryData.fromBytes(new BackupMetaFile(1, 5, 5).encode()));
        create(snapshot(name, name));
        Backup failed = await(() -> phase(name, "Failed"), "phase Failed");
        assertEquals("FileExistedInExternalStorage", failed.getStatus().getConditions().get(0).getReason());
        assertNull(job("backup-" + name), "no Job after a failed preflight");
    }

    @Test
    void failsThePreflightWithWrongCredentials() {
        String name = unique("badkey");
        Backup b = snapshot(name, name);
        b.getSpec().getAzblob().setSecretName("wrong-key");
        create(b);
        Backup failed = await(() -> phase(name, "Failed"), "phase Failed");
        assertEquals("AzureAuthFailed", failed.getStatus().getConditions().get(0).getReason(), failed.getStatus().toString());
        assertTrue(failed.getStatus().getConditions().get(0).getMessage().contains("403"));
    }

    @Test
    void failsThePreflightWhenTheContainerDoesNotExist() {
        String name = unique("nocontainer");
        Backup b = snapshot(name, name);
        b.getSpec().getAzblob().setContainer("no-such-container");
        create(b);
        Backup failed = await(() -> phase(name, "Failed"), "phase Failed");
        assertEquals("ContainerNotFound", failed.getStatus().getConditions().get(0).getReason());
    }

    @Test
    void doesNotRetryAFailedSnapshotJob() throws Exception {
        String name = unique("fails");
        create(snapshot(name, name));
        Job job = await(() -> job("backup-" + name), "the backup Job");
        finish(job, false);
        Backup failed = await(() -> phase(name, "Failed"), "phase Failed");
        assertTrue(failed.getStatus().getConditions().stream().anyMatch(c -> "JobFailed".equals(c.getReason())));
        Thread.sleep(500);
        assertEquals(job.getMetadata().getUid(), job("backup-" + name).getMetadata().getUid(), "no second Job");
    }

    @Test
    void neverCreatesASecondJobAfterARestart() throws Exception {
        String name = unique("restart");
        create(snapshot(name, name));
        Job first = await(() -> job("backup-" + name), "the backup Job");
        // One restart: the mock server's watch close handler blocks its event loop for a while, so closing and
        // starting informers in quick succession more than once starves the mock, not the controller.
        controller.close();
        controller = newController();
        await(() -> phase(name, "Scheduled"), "the restarted controller records the existing Job");
        Thread.sleep(700);
        List<Job> all = client.batch().v1().jobs().inNamespace("test1").withLabel("tidb.pingcap.com/backup", name).list().getItems();
        assertEquals(1, all.size());
        assertEquals(first.getMetadata().getUid(), all.get(0).getMetadata().getUid());
    }

    // ------------------------------------------------------------------ log backup

    @Test
    void carriesALogBackupThroughStartPauseResumePauseTruncateAndStop() throws Exception {
        String name = unique("log");
        Backup b = Json.toBackup(Fixtures.object("examples/seed/log/01-start.yaml"));
        b.getMetadata().setName(name);
        b.getSpec().getAzblob().setPrefix(name);
        create(b);
        Job start = await(() -> job("backup-" + name + "-log-start"), "log-start Job");
        assertEquals(List.of("log", "start", "--task-name=" + name), start.getSpec().getTemplate().getSpec()
                .getContainers().get(0).getArgs().subList(0, 3));
        assertTrue(await(() -> get(name).getMetadata().getFinalizers().contains(Planner.FINALIZER) ? true : null, "finalizer"));
        container.getBlobClient(name + "/backupmeta").upload(BinaryData.fromBytes(
                new BackupMetaFile(7, 436568622965194754L, 0).encode()));
        container.getBlobClient(name + "/v1/global_checkpoint/1.ts").upload(BinaryData.fromBytes(
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(436569119308644661L).array()));
        finish(start, true);
        Backup running = await(() -> phase(name, "Running"), "phase Running");
        assertEquals("436568622965194754", running.getStatus().getCommitTs());
        await(() -> "436569119308644661".equals(get(name).getStatus().getLogCheckpointTs()) ? true : null, "checkpoint");
        assertEquals("Complete", get(name).getStatus().getLogSubCommandStatuses().get("log-start").getPhase());

        spec(name, "log-pause", null);
        Job pause = await(() -> job("backup-" + name + "-log-pause"), "log-pause Job");
        finish(pause, true);
        await(() -> phase(name, "Paused"), "phase Paused");

        spec(name, "log-start", null);
        Job resume = await(() -> job("backup-" + name + "-log-resume"), "log-resume Job");
        assertEquals(List.of("log", "resume", "--task-name=" + name), resume.getSpec().getTemplate().getSpec()
                .getContainers().get(0).getArgs().subList(0, 3));
        finish(resume, true);
        await(() -> phase(name, "Running"), "phase Running again");

        spec(name, "log-pause", null); // a second pause: the first pause Job is replaced, not reused
        Job pause2 = await(() -> {
            Job j = job("backup-" + name + "-log-pause");
            return j != null && !j.getMetadata().getUid().equals(pause.getMetadata().getUid()) ? j : null;
        }, "a new log-pause Job");
        finish(pause2, true);
        await(() -> phase(name, "Paused"), "phase Paused again");

        spec(name, "log-pause", "2022-10-10T15:21:00+08:00");
        Job truncate = await(() -> job("backup-" + name + "-log-truncate"), "log-truncate Job");
        assertTrue(truncate.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                .contains("--until=2022-10-10T15:21:00+08:00"));
        finish(truncate, true);
        await(() -> "2022-10-10T15:21:00+08:00".equals(get(name).getStatus().getLogSuccessTruncateUntil()) ? true : null,
                "logSuccessTruncateUntil");
        assertEquals("Paused", get(name).getStatus().getPhase(), "a truncate never changes the phase");

        spec(name, "log-stop", "2022-10-10T15:21:00+08:00");
        Job stop = await(() -> job("backup-" + name + "-log-stop"), "log-stop Job");
        finish(stop, true);
        await(() -> phase(name, "Stopped"), "phase Stopped");
    }

    @Test
    void stopsALiveLogTaskThenDeletesItsBlobsPageByPageBeforeReleasingTheFinalizer() throws Exception {
        String name = unique("cleanup");
        Backup b = Json.toBackup(Fixtures.object("examples/seed/log/01-start.yaml"));
        b.getMetadata().setName(name);
        b.getSpec().getAzblob().setPrefix(name);
        b.getSpec().setCleanPolicy("Delete");
        create(b);
        Job start = await(() -> job("backup-" + name + "-log-start"), "log-start Job");
        container.getBlobClient(name + "/backupmeta").upload(BinaryData.fromBytes(new BackupMetaFile(7, 100, 0).encode()));
        for (int i = 0; i < 8; i++) {
            container.getBlobClient(name + "/v1/20221010/" + i + ".log").upload(BinaryData.fromBytes(new byte[10]));
        }
        container.getBlobClient(name + "-sibling/keep.me").upload(BinaryData.fromBytes(new byte[1]));
        finish(start, true);
        await(() -> phase(name, "Running"), "phase Running");

        client.resources(Backup.class).inNamespace("test1").withName(name).delete();
        Job stop = await(() -> job("backup-" + name + "-log-stop"), "the log task is stopped before cleanup");
        assertTrue(container.getBlobClient(name + "/backupmeta").exists(), "nothing deleted before the stop");
        finish(stop, true);
        await(() -> get(name) == null ? true : null, "the Backup is gone once its data is");
        assertFalse(container.listBlobs(new com.azure.storage.blob.models.ListBlobsOptions().setPrefix(name + "/"), null)
                .iterator().hasNext(), "every blob under the prefix is deleted");
        assertTrue(container.getBlobClient(name + "-sibling/keep.me").exists(), "a sibling prefix is not touched");
    }

    // ------------------------------------------------------------------ the v2 cluster around a Backup

    @Test
    void readsTheV2ClustersTlsPdGroupAndVersionForItsJob() {
        String name = unique("tls");
        Backup b = snapshot(name, name);
        b.getSpec().getBr().setCluster("secure");
        create(b);
        var c = await(() -> job("backup-" + name), "the backup Job").getSpec().getTemplate().getSpec();
        var br = c.getContainers().get(0);
        assertEquals("pingcap/br:v8.5.1", br.getImage(), "the TiKVGroup's version");
        assertEquals(List.of("backup", "full", "--pd=pd-main-pd.test1:23790", "--ca=/var/lib/cluster-client-tls/ca.crt",
                "--cert=/var/lib/cluster-client-tls/tls.crt", "--key=/var/lib/cluster-client-tls/tls.key"), br.getArgs().subList(0, 6));
        assertEquals("secure-cluster-client-secret", c.getVolumes().get(0).getSecret().getSecretName());
        assertEquals("/var/lib/cluster-client-tls", br.getVolumeMounts().get(0).getMountPath());
    }

    @Test
    void waitsForAMissingClusterAndNamesItThenRunsOnceItExists() {
        String name = unique("nocluster");
        Backup b = snapshot(name, name);
        b.getSpec().getBr().setCluster("later");
        create(b);
        Backup waiting = await(() -> phase(name, "RetryFailed"), "phase RetryFailed");
        var cond = waiting.getStatus().getConditions().stream().filter(x -> x.getType().equals("RetryFailed")).findFirst().orElseThrow();
        assertEquals("ClusterNotFound", cond.getReason());
        assertTrue(cond.getMessage().contains("Cluster test1/later (core.pingcap.com/v1alpha1) not found"), cond.getMessage());
        assertNull(job("backup-" + name), "no Job for a cluster that is not there");

        // TiDB Operator's cluster appears: its Cluster, then its groups.
        client.genericKubernetesResources(ClusterReader.CLUSTERS).inNamespace("test1").resource(generic("Cluster", "later", null)).create();
        Backup noPd = await(() -> {
            Backup x = get(name);
            return x.getStatus().getConditions().stream().anyMatch(k -> "PDGroupNotFound".equals(k.getReason())) ? x : null;
        }, "the missing PDGroup named");
        assertTrue(noPd.getStatus().getConditions().stream().anyMatch(k -> k.getMessage().contains("no PDGroup of Cluster test1/later")));
        client.genericKubernetesResources(ClusterReader.PD_GROUPS).inNamespace("test1").resource(generic("PDGroup", "pd-later", "later")).create();
        client.genericKubernetesResources(ClusterReader.TIKV_GROUPS).inNamespace("test1").resource(generic("TiKVGroup", "tikv-later", "later")).create();
        Job job = await(() -> job("backup-" + name), "the Job once the cluster exists");
        assertTrue(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().contains("--pd=pd-later-pd.test1:2379"));
    }

    @Test
    void waitsForAMissingServiceAccountAndNamesIt() {
        String name = unique("nosa");
        Backup b = snapshot(name, name);
        b.getSpec().setServiceAccount("br-" + name);
        create(b);
        Backup waiting = await(() -> phase(name, "RetryFailed"), "phase RetryFailed");
        var cond = waiting.getStatus().getConditions().stream().filter(x -> x.getType().equals("RetryFailed")).findFirst().orElseThrow();
        assertEquals("ServiceAccountNotFound", cond.getReason());
        assertTrue(cond.getMessage().startsWith("ServiceAccount test1/br-" + name + " not found"), cond.getMessage());
        assertNull(job("backup-" + name));
        client.serviceAccounts().inNamespace("test1").resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata().withName("br-" + name).withNamespace("test1").endMetadata().build()).create();
        Job job = await(() -> job("backup-" + name), "the Job once the ServiceAccount exists");
        assertEquals("br-" + name, job.getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    static io.fabric8.kubernetes.api.model.GenericKubernetesResource generic(String kind, String name, String cluster) {
        var r = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder().withApiVersion("core.pingcap.com/v1alpha1")
                .withKind(kind).withNewMetadata().withName(name).withNamespace("test1").endMetadata().build();
        if (cluster != null) {
            r.setAdditionalProperty("spec", Map.of("cluster", Map.of("name", cluster)));
        }
        return r;
    }

    // ------------------------------------------------------------------ helpers

    static String unique(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    static Backup snapshot(String name, String prefix) {
        Backup b = Json.toBackup(Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml"));
        b.getMetadata().setName(name);
        b.getSpec().getAzblob().setPrefix(prefix);
        return b;
    }

    static void create(Backup b) {
        client.resources(Backup.class).inNamespace("test1").resource(b).create();
    }

    static Backup get(String name) {
        return client.resources(Backup.class).inNamespace("test1").withName(name).get();
    }

    static Backup phase(String name, String phase) {
        Backup b = get(name);
        return b != null && b.getStatus() != null && phase.equals(b.getStatus().getPhase()) ? b : null;
    }

    static Job job(String name) {
        return client.batch().v1().jobs().inNamespace("test1").withName(name).get();
    }

    static boolean observed(Job j) {
        return j != null && j.getMetadata().getAnnotations() != null
                && "true".equals(j.getMetadata().getAnnotations().get(BackupJobs.ANNOTATION_OBSERVED));
    }

    /** A user's edit; like kubectl, it retries when the controller wrote status in between (409 Conflict). */
    static void spec(String name, String subcommand, String truncateUntil) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.resources(Backup.class).inNamespace("test1").withName(name).edit(b -> {
                    b.getSpec().setLogSubcommand(subcommand);
                    b.getSpec().setLogTruncateUntil(truncateUntil);
                    b.getMetadata().setGeneration((b.getMetadata().getGeneration() == null ? 1 : b.getMetadata().getGeneration()) + 1);
                    return b;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    /** What the Job controller would write when BR exits 0 (Complete) or not (Failed). */
    static void finish(Job job, boolean ok) {
        Job j = client.batch().v1().jobs().inNamespace("test1").withName(job.getMetadata().getName()).get();
        j.setStatus(new JobStatusBuilder().withSucceeded(ok ? 1 : 0).withFailed(ok ? 0 : 1)
                .addNewCondition().withType(ok ? "Complete" : "Failed").withStatus("True")
                .withMessage(ok ? null : "BR exited with code 1").endCondition().build());
        client.batch().v1().jobs().inNamespace("test1").resource(j).updateStatus();
    }

    static <T> T await(Supplier<T> probe, String what) {
        long end = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < end) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
