package io.brguard.controller;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupJobsTest {
    private static final BackupJobs JOBS = new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager");
    private static final Set<String> SHARED_KEY = Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY");

    static Backup seed(String file) {
        Backup b = Json.toBackup(Fixtures.object(file));
        b.getMetadata().setUid("uid-1");
        return b;
    }

    @Test
    void buildsTheSeedsFilteredSnapshotWithFiltersAndOptionsLast() {
        Backup b = seed("examples/seed/filters/multiple-tables.yaml");
        b.getSpec().getBr().setOptions(List.of("--lastbackupts=420134118382108673"));
        b.getSpec().getBr().setConcurrency(4L);
        b.getSpec().getAzblob().setAccessTier("Cool");
        List<String> args = BackupJobs.args(b, BrCommand.SNAPSHOT);
        assertEquals(List.of("backup", "full", "--pd=demo1-pd.test1:2379", "--send-credentials-to-tikv=false",
                "--storage=azure://my-container/my-folder/", "--azblob.access-tier=Cool", "--filter=db1.table1",
                "--filter=db1.table2", "--concurrency=4", "--lastbackupts=420134118382108673"), args);
    }

    @Test
    void passesTheAccountAndSasTokenInTheStorageUrlOnly() {
        Backup b = seed("examples/seed/snapshot/full-backup-azblob.yaml");
        b.getSpec().getAzblob().setSecretName(null);
        b.getSpec().getAzblob().setStorageAccount("acct");
        b.getSpec().getAzblob().setSasToken("sv=2022&sig=a/b+c");
        assertEquals("azure://my-container/my-full-backup-folder/?account-name=acct&sas-token=sv%3D2022%26sig%3Da%2Fb%2Bc",
                BackupJobs.storageUrl(b));
        Job job = JOBS.job(b, BrCommand.SNAPSHOT, Set.of());
        List<EnvVar> env = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        assertEquals(List.of(new EnvVarBuilder().withName("AZURE_STORAGE_ACCOUNT").withValue("acct").build()), env);
    }

    @Test
    void referencesAzureAdKeysWhenTheSecretHasAllThree() {
        Backup b = seed("examples/seed/filters/all-clusters.yaml");
        Job job = JOBS.job(b, BrCommand.SNAPSHOT, Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"));
        List<EnvVar> env = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        assertEquals(List.of("AZURE_STORAGE_ACCOUNT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"),
                env.stream().map(EnvVar::getName).toList());
        env.forEach(e -> {
            assertNull(e.getValue(), "no literal value for " + e.getName());
            assertEquals("azblob-secret-ad", e.getValueFrom().getSecretKeyRef().getName());
        });
        assertEquals("tidb-backup-manager", job.getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    @Test
    void honoursToolImageAndLetsSpecEnvOverrideBuiltIns() {
        Backup b = seed("examples/seed/log/01-start.yaml");
        b.getSpec().setToolImage("registry.example/br:v8.1.0");
        b.getSpec().setEnv(List.of(new EnvVarBuilder().withName("AZURE_STORAGE_ACCOUNT").withValue("override").build()));
        Job job = JOBS.job(b, BrCommand.LOG_START, SHARED_KEY);
        var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("registry.example/br:v8.1.0", c.getImage());
        assertEquals(1, c.getEnv().stream().filter(e -> e.getName().equals("AZURE_STORAGE_ACCOUNT")).count());
        assertEquals("override", c.getEnv().stream().filter(e -> e.getName().equals("AZURE_STORAGE_ACCOUNT")).findFirst().orElseThrow().getValue());
        assertEquals("backup-demo1-log-backup-azblob-log-start", job.getMetadata().getName());
        assertEquals(List.of("log", "start", "--task-name=demo1-log-backup-azblob", "--pd=demo1-pd.test1:2379",
                "--send-credentials-to-tikv=true", "--storage=azure://my-container/my-log-backup-folder/"), c.getArgs());
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
        BackupMetaFile m = new BackupMetaFile(6_987_654_321L, 436568622965194754L, 0);
        assertEquals(m, BackupMetaFile.parse(m.encode()));
        assertTrue(!m.isSnapshot());
        assertThrows(IllegalArgumentException.class, () -> BackupMetaFile.parse(new byte[] {(byte) 0x0F, 1, 2}));
    }
}
