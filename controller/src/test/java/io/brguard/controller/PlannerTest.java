package io.brguard.controller;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure planner, without any I/O. */
class PlannerTest {
    private static final Planner PLANNER = new Planner(Planner.Settings.DEFAULT);
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    static Backup snapshot() {
        Backup b = Json.toBackup(Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml"));
        b.getMetadata().setUid("uid");
        return b;
    }

    /** demo1 in test1 as TiDB Operator v2 creates it from its examples/basic: PDGroup pd, TiKVGroup tikv. */
    static final ClusterTopology DEMO1 = new ClusterTopology("test1", "demo1", "pd", 2379, "v8.5.2", false);

    static Planner.Facts preflight(AzureStorage.Preflight p) {
        return new Planner.Facts(p, null, null, null).with(Planner.Prerequisites.ready(DEMO1));
    }

    @Test
    void asksForAPreflightBeforeTheFirstJob() {
        Planner.Plan plan = PLANNER.plan(snapshot(), Map.of(), Planner.Facts.none(), NOW);
        assertEquals(java.util.Set.of(Planner.Need.PREFLIGHT), plan.needs());
        assertEquals(List.of(), plan.actions(), "no action while a fact is missing");
    }

    @Test
    void retriesAPreflightThatCouldNotReachAzureInsteadOfFailingTheBackup() {
        Backup b = snapshot();
        Planner.Plan retry = PLANNER.plan(b, Map.of(), preflight(new AzureStorage.Preflight(false, "AzureUnreachable",
                "cannot reach Azure", true)), NOW);
        assertEquals("RetryFailed", retry.status().getPhase());
        assertEquals(Duration.ofSeconds(30), retry.requeueAfter());
        assertEquals(List.of(), retry.actions());

        b.setStatus(retry.status());
        Planner.Plan go = PLANNER.plan(b, Map.of(), preflight(new AzureStorage.Preflight(true, null, null)), NOW);
        assertEquals(List.of(new Planner.Action.CreateJob(BrCommand.SNAPSHOT)), go.actions());
        assertEquals("Scheduled", go.status().getPhase());
    }

    @Test
    void failsOnADefinitePreflightAnswerAndDoesNothingMoreAfterwards() {
        Backup b = snapshot();
        Planner.Plan failed = PLANNER.plan(b, Map.of(), preflight(new AzureStorage.Preflight(false, "AzureAuthFailed",
                "Azure answered 403")), NOW);
        assertEquals("Failed", failed.status().getPhase());
        b.setStatus(failed.status());
        Planner.Plan after = PLANNER.plan(b, Map.of(), Planner.Facts.none(), NOW);
        assertEquals(List.of(), after.actions());
        assertNull(after.status(), "a terminal Backup is left alone");
    }

    @Test
    void recordsAJobItFindsAfterARestartInsteadOfCreatingAnother() {
        Backup b = snapshot();
        Job job = new BackupJobs("br", "sa").job(b, BrCommand.SNAPSHOT, java.util.Set.of(), DEMO1);
        Planner.Plan plan = PLANNER.plan(b, Map.of(job.getMetadata().getName(), job), Planner.Facts.none(), NOW);
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof Planner.Action.CreateJob));
        assertEquals("Scheduled", plan.status().getPhase());
        assertEquals("azure://my-container/my-full-backup-folder/", plan.status().getBackupPath());
    }

    @Test
    void asksTheApiServerBeforeCallingAJobMissingThatTheCacheDoesNotShowYet() {
        Backup b = snapshot();
        BackupStatus s = new BackupStatus();
        s.setPhase("Scheduled");
        b.setStatus(s);
        assertEquals(java.util.Set.of(Planner.Need.JOB_EXISTS), PLANNER.plan(b, Map.of(), Planner.Facts.none(), NOW).needs());
        Planner.Plan lagging = PLANNER.plan(b, Map.of(), new Planner.Facts(null, null, null, null, true, null), NOW);
        assertNull(lagging.status(), "the Job exists: wait for the cache");
        assertEquals(Duration.ofSeconds(1), lagging.requeueAfter());
        Planner.Plan gone = PLANNER.plan(b, Map.of(), new Planner.Facts(null, null, null, null, false, null), NOW);
        assertEquals("Failed", gone.status().getPhase());
        assertEquals("JobMissing", gone.status().getConditions().get(0).getReason());
    }

    @Test
    void doesNotRetryAFailedPauseUntilTheSpecChanges() {
        Backup b = Json.toBackup(Fixtures.object("examples/seed/log/02-pause.yaml"));
        b.getMetadata().setUid("uid");
        b.getMetadata().setGeneration(3L);
        b.getMetadata().setFinalizers(List.of(Planner.FINALIZER));
        BackupStatus s = new BackupStatus();
        s.setPhase("Running");
        s.setCommitTs("436568622965194754");
        b.setStatus(s);
        Job pause = new BackupJobs("br", "sa").job(b, BrCommand.LOG_PAUSE, java.util.Set.of(), DEMO1);
        pause.setStatus(new JobStatusBuilder().withFailed(1).addNewCondition().withType("Failed").withStatus("True").endCondition().build());
        Planner.Plan failed = PLANNER.plan(b, Map.of(pause.getMetadata().getName(), pause), Planner.Facts.none(), NOW);
        assertEquals("Failed", failed.status().getLogSubCommandStatuses().get("log-pause").getPhase());
        assertEquals("Running", failed.status().getPhase(), "a failed pause leaves the top-level phase");
        assertTrue(failed.actions().contains(new Planner.Action.MarkObserved(pause.getMetadata().getName())));

        b.setStatus(failed.status());
        pause.getMetadata().setAnnotations(Map.of(BackupJobs.ANNOTATION_OBSERVED, "true"));
        Planner.Plan same = PLANNER.plan(b, Map.of(pause.getMetadata().getName(), pause),
                new Planner.Facts(null, null, Optional.empty(), null), NOW);
        assertTrue(same.actions().isEmpty(), "no retry for the same generation: " + same.actions());

        b.getMetadata().setGeneration(4L);
        Planner.Plan again = PLANNER.plan(b, Map.of(pause.getMetadata().getName(), pause),
                new Planner.Facts(null, null, Optional.empty(), null).with(Planner.Prerequisites.ready(DEMO1)), NOW);
        assertEquals(List.of(new Planner.Action.DeleteJob(pause.getMetadata().getName())), again.actions(),
                "a spec change replaces the failed Job");
    }

    @Test
    void waitsForAMissingClusterOrServiceAccountAndNamesIt() {
        Backup b = snapshot();
        Planner.Facts ok = new Planner.Facts(new AzureStorage.Preflight(true, null, null), null, null, null);
        assertEquals(java.util.Set.of(Planner.Need.PREREQUISITES), PLANNER.plan(b, Map.of(), ok, NOW).needs(),
                "the cluster and the ServiceAccount are looked up before a Job is built");
        Planner.Plan missing = PLANNER.plan(b, Map.of(), ok.with(Planner.Prerequisites.missing("ClusterNotFound",
                "Cluster test1/demo1 (core.pingcap.com/v1alpha1) not found")), NOW);
        assertEquals(List.of(), missing.actions());
        assertEquals("RetryFailed", missing.status().getPhase());
        assertEquals("ClusterNotFound", missing.status().getConditions().get(0).getReason());
        assertTrue(missing.status().getConditions().get(0).getMessage().contains("test1/demo1"));
        assertEquals(Duration.ofSeconds(30), missing.requeueAfter(), "looked for again");

        b.setStatus(missing.status());
        Planner.Plan found = PLANNER.plan(b, Map.of(), ok.with(Planner.Prerequisites.ready(DEMO1)), NOW);
        assertEquals(List.of(new Planner.Action.CreateJob(BrCommand.SNAPSHOT)), found.actions());
    }

    /** A pause that cannot run (no ServiceAccount) waits in its own sub-status; the running task's phase stays. */
    @Test
    void aLaterLogCommandThatCannotRunLeavesThePhaseAlone() {
        Backup b = Json.toBackup(Fixtures.object("examples/seed/log/02-pause.yaml"));
        b.getMetadata().setUid("uid");
        b.getMetadata().setFinalizers(List.of(Planner.FINALIZER));
        BackupStatus s = new BackupStatus();
        s.setPhase("Running");
        s.setCommitTs("436568622965194754");
        b.setStatus(s);
        Planner.Plan plan = PLANNER.plan(b, Map.of(), new Planner.Facts(null, null, Optional.empty(), null)
                .with(Planner.Prerequisites.missing("ServiceAccountNotFound", "ServiceAccount test1/tidb-backup-manager not found")), NOW);
        assertEquals("Running", plan.status().getPhase());
        assertEquals("RetryFailed", plan.status().getLogSubCommandStatuses().get("log-pause").getPhase());
        assertEquals("ServiceAccountNotFound", plan.status().getLogSubCommandStatuses().get("log-pause").getConditions().get(0).getReason());
    }

    private static Backup logBackup(String file, String phase) {
        Backup b = Json.toBackup(Fixtures.object(file));
        b.getMetadata().setUid("uid");
        b.getMetadata().setGeneration(5L);
        b.getMetadata().setFinalizers(List.of(Planner.FINALIZER));
        BackupStatus s = new BackupStatus();
        s.setPhase(phase);
        s.setCommitTs("436568622965194754");
        b.setStatus(s);
        return b;
    }

    private static Job finished(Backup b, BrCommand cmd) {
        Job job = new BackupJobs("br", "sa").job(b, cmd, java.util.Set.of(), DEMO1);
        job.setStatus(new JobStatusBuilder().withSucceeded(1).addNewCondition().withType("Complete").withStatus("True").endCondition().build());
        return job;
    }

    /**
     * pause, resume, pause again: after the resume the earlier pause's entry is Repeatable, as TiDB Operator v2 writes
     * it (backup_status_updater.go updateLogSubcommandStatus), so brguard's own webhook lets the second pause through
     * (TransitionRules notRerun denies a pause whose entry is still Complete).
     */
    @Test
    void aResumeMakesTheEarlierPauseRepeatableSoTheNextPauseIsAllowed() {
        Backup paused = logBackup("examples/seed/log/02-pause.yaml", "Running");
        Job pause = finished(paused, BrCommand.LOG_PAUSE);
        Planner.Plan p1 = PLANNER.plan(paused, Map.of(pause.getMetadata().getName(), pause), Planner.Facts.none()
                .with(Planner.Prerequisites.ready(DEMO1)), NOW);
        assertEquals("Paused", p1.status().getPhase());
        assertEquals("Complete", p1.status().getLogSubCommandStatuses().get("log-pause").getPhase());

        Backup resumed = logBackup("examples/seed/log/03-resume.yaml", "Paused");
        resumed.setStatus(p1.status());
        Job resume = finished(resumed, BrCommand.LOG_RESUME);
        Planner.Plan p2 = PLANNER.plan(resumed, Map.of(resume.getMetadata().getName(), resume),
                new Planner.Facts(null, null, Optional.empty(), null).with(Planner.Prerequisites.ready(DEMO1)), NOW);
        assertEquals("Running", p2.status().getPhase());
        assertEquals("Complete", p2.status().getLogSubCommandStatuses().get("log-resume").getPhase());
        assertEquals("Repeatable", p2.status().getLogSubCommandStatuses().get("log-pause").getPhase());

        resumed.setStatus(p2.status());
        Backup pauseAgain = Json.toBackup(Fixtures.object("examples/seed/log/02-pause.yaml"));
        pauseAgain.getMetadata().setGeneration(6L);
        io.brguard.policy.Verdict v = new io.brguard.policy.Policy().decide(io.brguard.policy.Operation.UPDATE,
                Json.JSON.valueToTree(resumed), Json.JSON.valueToTree(pauseAgain), io.brguard.policy.Lookups.unknown("not looked up here"));
        assertTrue(v.violations().stream().noneMatch(x -> x.ruleId().startsWith("transition.")), v.violations().toString());
    }

    /**
     * A truncate to a point at or before the task's start or the last successful truncation runs no Job and never
     * moves logSuccessTruncateUntil backwards (api/br/v1alpha1/backup.go IsLogBackupAlreadyTruncate, and
     * backup_manager.go skipLogBackupSync, which sets it only when it is empty).
     */
    @Test
    void anEarlierTruncatePointRunsNoJobAndKeepsTheLaterOne() {
        Backup b = logBackup("examples/seed/log/01-start.yaml", "Running");
        b.getStatus().setLogSuccessTruncateUntil("2026-11-20T00:00:00Z");
        b.getStatus().setTimeSynced(NOW.toString());
        b.getSpec().setLogTruncateUntil("2026-11-10T00:00:00Z");
        Planner.Plan p = PLANNER.plan(b, Map.of(), Planner.Facts.none(), NOW);
        assertEquals(List.of(), p.actions());
        assertEquals("2026-11-20T00:00:00Z", p.status().getLogSuccessTruncateUntil());
        assertEquals("Complete", p.status().getLogSubCommandStatuses().get("log-truncate").getPhase());
        assertEquals("2026-11-10T00:00:00Z", p.status().getLogSubCommandStatuses().get("log-truncate").getLogTruncatingUntil());

        b.setStatus(p.status());
        assertEquals(null, PLANNER.plan(b, Map.of(), Planner.Facts.none(), NOW).status(), "recorded once");

        b.getSpec().setLogTruncateUntil("2026-11-25T00:00:00Z");
        Planner.Plan later = PLANNER.plan(b, Map.of(), Planner.Facts.none().with(Planner.Prerequisites.ready(DEMO1)), NOW);
        assertEquals(List.of(new Planner.Action.CreateJob(BrCommand.LOG_TRUNCATE)), later.actions(), "a later point truncates");

        Backup fresh = logBackup("examples/seed/log/01-start.yaml", "Running");
        fresh.getStatus().setTimeSynced(NOW.toString());
        fresh.getSpec().setLogTruncateUntil("436568622965194754");
        Planner.Plan atStart = PLANNER.plan(fresh, Map.of(), Planner.Facts.none(), NOW);
        assertEquals(List.of(), atStart.actions());
        assertEquals("436568622965194754", atStart.status().getLogSuccessTruncateUntil(), "set when it was empty");
    }

    /** backupSizeReadable: github.com/dustin/go-humanize v1.0.1 bytes_test.go TestBytes, the SI rows, as TiDB Operator prints sizes. */
    @Test
    void printsSizesAsHumanizeBytesDoes() {
        long kb = 1000;
        long mb = kb * 1000;
        long gb = mb * 1000;
        long tb = gb * 1000;
        long pb = tb * 1000;
        long eb = pb * 1000;
        Object[][] rows = {{0L, "0 B"}, {1L, "1 B"}, {803L, "803 B"}, {999L, "999 B"}, {1024L, "1.0 kB"}, {9999L, "10 kB"},
            {mb - 1, "1000 kB"}, {1024L * 1024, "1.0 MB"}, {gb - kb, "1000 MB"}, {gb, "1.0 GB"}, {tb - mb, "1000 GB"},
            {9999L * 1000, "10 MB"}, {tb, "1.0 TB"}, {pb - tb, "999 TB"}, {pb, "1.0 PB"}, {eb - pb, "999 PB"}, {eb, "1.0 EB"}};
        for (Object[] r : rows) {
            assertEquals(r[1], Planner.readable((Long) r[0]), "Bytes(" + r[0] + ")");
        }
    }
}
