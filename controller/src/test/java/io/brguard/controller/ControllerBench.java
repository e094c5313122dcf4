package io.brguard.controller;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Benchmark, not a test (excluded from `mvn verify`, no assertion on time): 1,000 snapshot Backups created at once
 * against the fabric8 CRUD mock API and Azurite; measures the time until every one has its Job and phase
 * Scheduled (preflight in Azurite included), and the JVM's peak RSS. Run: bench/controller/run.sh
 */
@Tag("bench")
@ExtendWith(Azurite.class)
@EnableKubernetesMockClient(crud = true)
class ControllerBench {
    static KubernetesClient client;

    static long rssKiB(String field) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith(field)).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElse(0L);
    }

    @Test
    void plansAThousandBackupsAndCreatesTheirJobs() throws Exception {
        int n = Integer.getInteger("bench.backups", 1000);
        MockCluster.install(client);
        Azurite.container("my-container");
        Backup seed = Json.toBackup(Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml"));
        // The controller's own work without any I/O: plan and build the Job for n Backups (pure code).
        Planner planner = new Planner(Planner.Settings.DEFAULT);
        BackupJobs builder = new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager");
        AzureStorage.Preflight ok = new AzureStorage.Preflight(true, null, null);
        long pureStart = System.nanoTime();
        for (int round = 0; round < 3; round++) { // the last round is the one reported (JIT warmed up)
            pureStart = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Backup b = Json.copy(seed);
                b.getMetadata().setName("pure-" + i);
                b.getMetadata().setUid("u" + i);
                Planner.Plan plan = planner.plan(b, Map.of(), new Planner.Facts(ok, null, null, null)
                        .with(Planner.Prerequisites.ready(PlannerTest.DEMO1)), java.time.Instant.now());
                builder.job(b, BrCommand.SNAPSHOT, java.util.Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY"), PlannerTest.DEMO1);
                if (plan.actions().isEmpty()) {
                    throw new IllegalStateException("no plan");
                }
            }
        }
        double pureMs = (System.nanoTime() - pureStart) / 1e6;
        long createStart = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Backup b = Json.copy(seed);
            b.getMetadata().setName("bench-" + i);
            b.getSpec().getAzblob().setPrefix("bench/" + i);
            client.resources(Backup.class).inNamespace("test1").resource(b).create();
        }
        double createMs = (System.nanoTime() - createStart) / 1e6;
        System.gc();
        long rssBefore = rssKiB("VmRSS");
        // The clock starts with the controller: informer sync, planning, Azure preflight and Job creation for all n.
        long start = System.nanoTime();
        BackupController c = new BackupController(client, new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager"),
                new AzureStorage(Azurite.endpoint(), Duration.ofSeconds(30)), new Planner(Planner.Settings.DEFAULT),
                Clock.systemUTC(), Integer.getInteger("bench.workers", 8), 500);
        c.start(Duration.ofSeconds(60));
        long done = MockCluster.awaitScheduled(client, n, Duration.ofMinutes(2));
        double secs = ((done < 0 ? System.nanoTime() : done) - start) / 1e9;
        long scheduled = client.resources(Backup.class).inNamespace("test1").list().getItems().stream()
                .filter(b -> b.getStatus() != null && "Scheduled".equals(b.getStatus().getPhase())).count();
        long jobs = client.batch().v1().jobs().inNamespace("test1").list().getItems().size();
        client.resources(Backup.class).inNamespace("test1").list().getItems().stream()
                .filter(b -> b.getStatus() == null || !"Scheduled".equals(b.getStatus().getPhase())).limit(5)
                .forEach(b -> System.out.println("BENCH not scheduled: " + b.getMetadata().getName() + " "
                        + (b.getStatus() == null ? "(no status)" : b.getStatus().getPhase() + " " + b.getStatus().getConditions())));
        long peak = rssKiB("VmHWM");
        System.out.printf("BENCH controller: %d Backups, %d Jobs, %d Scheduled in %.2f s from controller start; "
                + "RSS grew by %d MiB while the controller ran (JVM peak %d MiB, shared with the mock API server)%n",
                n, jobs, scheduled, secs, (peak - rssBefore) >> 10, peak >> 10);
        System.out.printf("BENCH controller: pure planning + Job building for %d Backups: %.0f ms; the mock API server "
                + "alone took %.0f ms to create the %d Backups (%.1f ms per write; the controller makes 2 writes per Backup: the Job and the status)%n",
                n, pureMs, createMs, n, createMs / n);
        c.close();
    }
}
