package io.brguard.controller.schedule;

import io.brguard.controller.ControllerMetrics;
import io.brguard.controller.LeaderElection;
import io.brguard.policy.BackupIndex;
import io.brguard.policy.Json;
import io.brguard.policy.Lookup;
import io.brguard.policy.Lookups;
import io.brguard.policy.Operation;
import io.brguard.policy.Policy;
import io.brguard.policy.SecretKeys;
import io.brguard.policy.Verdict;
import io.brguard.policy.field.Tso;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.schedule.ScheduledBackups;
import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.testing.MergePatch;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BackupSchedules carried out against the fabric8 CRUD mock API server (brguard's CRDs registered), with an
 * injected clock: the test plays TiDB Operator (a snapshot completes two minutes after its run, the log backup's
 * checkpoint follows the clock, a truncate asked for is done by the next step) and checks, at every step, exactly
 * which Backups exist and where the log backup is truncated.
 */
@EnableKubernetesMockClient(crud = true)
class ScheduleControllerTest {
    static final String NS = "test1";
    static KubernetesClient client;

    @BeforeAll
    static void cluster() {
        for (String crd : List.of("manifests/crd/backups.br.pingcap.com.yaml", "manifests/crd/backupschedules.br.pingcap.com.yaml")) {
            CustomResourceDefinition c = client.apiextensions().v1().customResourceDefinitions().load(Fixtures.path(crd).toFile()).item();
            client.apiextensions().v1().customResourceDefinitions().resource(c).create();
        }
    }

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static BackupSchedule create(String name, String yamlPatch) {
        JsonNode base = Fixtures.object("examples/schedules/integrated-backup-schedule-azblob.yaml");
        JsonNode tree = MergePatch.apply(base, Fixtures.yaml("{metadata: {name: " + name + "}}"));
        tree = MergePatch.apply(tree, Fixtures.yaml(yamlPatch));
        BackupSchedule s = Json.toSchedule(tree);
        return client.resources(BackupSchedule.class).inNamespace(NS).resource(s).create();
    }

    static ScheduleReconciler reconciler(Clock clock, ControllerMetrics metrics) {
        return new ScheduleReconciler(client, new SchedulePlanner(ZoneOffset.UTC), clock,
                key -> client.resources(BackupSchedule.class).inNamespace(NS).withName(key.substring(key.indexOf('/') + 1)).get(),
                key -> client.resources(Backup.class).inNamespace(NS)
                        .withLabel(ScheduledBackups.SCHEDULE_LABEL, key.substring(key.indexOf('/') + 1)).list().getItems(),
                metrics);
    }

    static List<Backup> children(String schedule) {
        return client.resources(Backup.class).inNamespace(NS).withLabel(ScheduledBackups.SCHEDULE_LABEL, schedule).list().getItems();
    }

    static Set<String> snapshotNames(String schedule) {
        return children(schedule).stream().map(b -> b.getMetadata().getName()).filter(n -> !n.startsWith("log-"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static Backup backup(String name) {
        return client.resources(Backup.class).inNamespace(NS).withName(name).get();
    }

    static long tso(Instant t) {
        return Tso.fromMillis(t.toEpochMilli());
    }

    /**
     * TiDB Operator, played: a snapshot completes two minutes after its run (commitTs then); the log backup starts
     * (commitTs = its creation step) and its checkpoint is a minute behind the clock; a truncate asked for is done.
     * {@code stuck} snapshots stay Running.
     */
    static void operator(String schedule, Instant now, Set<String> stuck) {
        for (Backup b : children(schedule)) {
            String name = b.getMetadata().getName();
            BackupStatus st = b.getStatus() == null ? new BackupStatus() : b.getStatus();
            boolean changed = false;
            if (name.startsWith("log-")) {
                if (st.getCommitTs() == null) {
                    st.setPhase("Running");
                    st.setCommitTs(Long.toString(tso(now)));
                    changed = true;
                }
                String cp = Long.toString(tso(now.minusSeconds(60)));
                if (!cp.equals(st.getLogCheckpointTs())) {
                    st.setLogCheckpointTs(cp);
                    changed = true;
                }
                String asked = b.getSpec().getLogTruncateUntil();
                if (asked != null && !asked.equals(st.getLogSuccessTruncateUntil())) {
                    st.setLogSuccessTruncateUntil(asked);
                    changed = true;
                }
            } else if (!"Complete".equals(st.getPhase())) {
                Instant run = ScheduledBackups.runTime(schedule, name).orElseThrow();
                Instant done = run.plus(Duration.ofMinutes(2));
                String phase = stuck.contains(name) || now.isBefore(done) ? "Running" : "Complete";
                if (!phase.equals(st.getPhase())) {
                    st.setPhase(phase);
                    if (phase.equals("Complete")) {
                        st.setCommitTs(Long.toString(tso(done)));
                    }
                    changed = true;
                }
            }
            if (changed) {
                b.setStatus(st);
                client.resources(Backup.class).inNamespace(NS).resource(b).updateStatus();
            }
        }
    }

    /** The lookups the webhook would have while a child is created: the Secrets of the examples and every Backup. */
    static Lookups lookups() {
        BackupIndex index = BackupIndex.of(client.resources(Backup.class).inNamespace(NS).list().getItems());
        return new Lookups() {
            @Override
            public Lookup<SecretKeys> secret(String namespace, String name) {
                return Lookup.found(new SecretKeys(namespace, name, Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY")));
            }

            @Override
            public Lookup<BackupIndex> backups() {
                return Lookup.found(index);
            }
        };
    }

    /**
     * A month of an hourly schedule keeping 72 hours, with a log backup, step by step: after every step the snapshots
     * are exactly the runs that completed within 72 hours before the log's checkpoint, the newest one before that
     * window (the base point-in-time recovery starts from) and the run just made; the log backup is truncated to
     * that base, never past it; and every Backup the schedule made, and every truncate it asked for, passes
     * brguard's own admission rules as the webhook would judge it then.
     */
    @Test
    void aMonthOfAnHourlyScheduleKeepsThreeDaysAndTruncatesTheLogToTheOldestSnapshotKept() {
        String name = "hourly";
        // A cluster of its own: another test's schedule may hold a log backup of demo1.
        BackupSchedule s = create(name, "{spec: {schedule: '0 * * * *', maxReservedTime: 72h, "
                + "backupTemplate: {br: {cluster: month}, azblob: {prefix: month-snap}}, "
                + "logBackupTemplate: {br: {cluster: month}, azblob: {prefix: month-log}}}}");
        Instant created = Instant.parse(s.getMetadata().getCreationTimestamp());
        Instant t0 = created.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        TestClock clock = new TestClock(t0);
        ControllerMetrics metrics = new ControllerMetrics();
        ScheduleReconciler reconciler = reconciler(clock, metrics);
        Policy policy = new Policy();
        List<Instant> runs = new ArrayList<>();
        String truncatedTo = null;
        int steps = 30 * 24;
        for (int k = 0; k <= steps; k++) {
            Instant now = t0.plus(Duration.ofHours(k)).plusSeconds(30);
            clock.now = now;
            operator(name, now, Set.of());
            Map<String, Backup> before = children(name).stream().collect(Collectors.toMap(b -> b.getMetadata().getName(), b -> b));
            Lookups admission = lookups();
            reconciler.reconcile(NS + "/" + name);
            runs.add(t0.plus(Duration.ofHours(k)));
            for (Backup b : children(name)) {
                Backup old = before.get(b.getMetadata().getName());
                Verdict v = old == null ? policy.decide(Operation.CREATE, null, b, admission)
                        : policy.decide(Operation.UPDATE, old, b, admission);
                assertTrue(v.allowed(), "step " + k + ": " + b.getMetadata().getName() + " would be denied: " + v.violations());
            }
            // The oracle, from the window property. The log's checkpoint is a minute behind the clock, and every run
            // before this step has completed two minutes after it.
            Instant horizon = now.minusSeconds(60).minus(Duration.ofHours(72));
            List<Instant> done = runs.subList(0, runs.size() - 1);
            Instant base = done.stream().filter(r -> !r.plus(Duration.ofMinutes(2)).isAfter(horizon))
                    .max(Comparator.naturalOrder()).orElse(null);
            Set<String> expected = new TreeSet<>();
            for (Instant r : runs) {
                if (base == null || !r.isBefore(base)) {
                    expected.add(ScheduledBackups.snapshotName(name, r));
                }
            }
            assertEquals(expected, snapshotNames(name), "step " + k + " at " + now);
            if (base != null && done.stream().anyMatch(r -> r.isBefore(base))) {
                truncatedTo = Long.toString(tso(base.plus(Duration.ofMinutes(2))));
            }
            Backup logBackup = backup(ScheduledBackups.logName(name));
            assertNotNull(logBackup, "the log backup exists from the first step");
            assertEquals(truncatedTo, logBackup.getSpec().getLogTruncateUntil(), "step " + k + ": log truncated until");
        }
        BackupSchedule after = client.resources(BackupSchedule.class).inNamespace(NS).withName(name).get();
        assertEquals(ScheduledBackups.snapshotName(name, runs.get(runs.size() - 1)), after.getStatus().getLastBackup());
        assertEquals("log-hourly", after.getStatus().getLogBackup());
        assertEquals(74, snapshotNames(name).size(), "the 72 runs completed within 72 hours, the base and the run just made");
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("brguard_schedule_created_backups_total{namespace=\"test1\",schedule=\"hourly\"} " + (steps + 2) + ".0"), scrape);
    }

    /** Paused for ten hours: no run; resumed: one run at once (the latest missed), then one an hour again. */
    @Test
    void pauseStopsTheRunsAndResumeMakesOneNotABurst() {
        String name = "paused";
        BackupSchedule s = create(name, "{spec: {schedule: '0 * * * *', maxReservedTime: 720h, logBackupTemplate: null, backupTemplate: {azblob: {prefix: paused}}}}");
        Instant t0 = Instant.parse(s.getMetadata().getCreationTimestamp()).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        TestClock clock = new TestClock(t0);
        ScheduleReconciler reconciler = reconciler(clock, new ControllerMetrics());
        for (int k = 0; k < 3; k++) {
            step(reconciler, clock, name, t0.plus(Duration.ofHours(k)).plusSeconds(30));
        }
        assertEquals(3, snapshotNames(name).size());
        patchSpec(name, "{\"spec\": {\"pause\": true}}");
        for (int k = 3; k < 13; k++) {
            step(reconciler, clock, name, t0.plus(Duration.ofHours(k)).plusSeconds(30));
        }
        assertEquals(3, snapshotNames(name).size(), "nothing while paused");
        patchSpec(name, "{\"spec\": {\"pause\": false}}");
        step(reconciler, clock, name, t0.plus(Duration.ofHours(13)).plus(Duration.ofMinutes(20)));
        assertEquals(4, snapshotNames(name).size(), "one run on resume, not ten");
        assertTrue(snapshotNames(name).contains(ScheduledBackups.snapshotName(name, t0.plus(Duration.ofHours(13)))));
        step(reconciler, clock, name, t0.plus(Duration.ofHours(13)).plus(Duration.ofMinutes(50)));
        assertEquals(4, snapshotNames(name).size());
        step(reconciler, clock, name, t0.plus(Duration.ofHours(14)).plusSeconds(30));
        assertEquals(5, snapshotNames(name).size());
    }

    /**
     * A restart in the middle: a new controller process (nothing in memory) after the Backup of a run was created
     * and before its status was written. The run is adopted, not made again; the missed runs give one Backup.
     */
    @Test
    void aRestartAfterACrashMakesNoDuplicateAndNoBurst() {
        String name = "restarted";
        BackupSchedule s = create(name, "{spec: {schedule: '0 * * * *', maxReservedTime: 720h, logBackupTemplate: null, backupTemplate: {azblob: {prefix: restarted}}}}");
        Instant t0 = Instant.parse(s.getMetadata().getCreationTimestamp()).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        TestClock clock = new TestClock(t0);
        step(reconciler(clock, new ControllerMetrics()), clock, name, t0.plusSeconds(30));
        // The crash: the next run's Backup was created, the status write was not.
        Instant second = t0.plus(Duration.ofHours(1));
        client.resources(Backup.class).inNamespace(NS).resource(ScheduledBackups.snapshot(
                client.resources(BackupSchedule.class).inNamespace(NS).withName(name).get(), second)).create();
        ScheduleReconciler fresh = reconciler(clock, new ControllerMetrics());
        step(fresh, clock, name, second.plusSeconds(40));
        assertEquals(2, snapshotNames(name).size(), "no duplicate of the adopted run");
        assertEquals(ScheduledBackups.snapshotName(name, second),
                client.resources(BackupSchedule.class).inNamespace(NS).withName(name).get().getStatus().getLastBackup());
        // Down for five hours: one Backup when it is back.
        step(fresh, clock, name, second.plus(Duration.ofHours(5)).plusSeconds(30));
        assertEquals(3, snapshotNames(name).size());
    }

    /** A snapshot still running at the next runs: no second snapshot beside it; once it finishes, one run. */
    @Test
    void aRunningSnapshotIsNeverOverlapped() {
        String name = "slow";
        BackupSchedule s = create(name, "{spec: {schedule: '0 * * * *', maxReservedTime: 720h, logBackupTemplate: null, backupTemplate: {azblob: {prefix: slow}}}}");
        Instant t0 = Instant.parse(s.getMetadata().getCreationTimestamp()).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        TestClock clock = new TestClock(t0);
        ScheduleReconciler reconciler = reconciler(clock, new ControllerMetrics());
        Set<String> stuck = Set.of(ScheduledBackups.snapshotName(name, t0));
        for (int k = 0; k < 4; k++) {
            clock.now = t0.plus(Duration.ofHours(k)).plusSeconds(30);
            operator(name, clock.now, stuck);
            reconciler.reconcile(NS + "/" + name);
        }
        assertEquals(Set.of(ScheduledBackups.snapshotName(name, t0)), snapshotNames(name), "waited three runs");
        step(reconciler, clock, name, t0.plus(Duration.ofHours(3)).plus(Duration.ofMinutes(40)));
        assertEquals(2, snapshotNames(name).size(), "one run once it finished");
        assertTrue(events(name).stream().anyMatch(e -> e.getReason().equals("WaitingForLastBackup")));
    }

    /**
     * The Backups carry none of the GitOps markers of their schedule (Argo CD's tracking label and annotation,
     * Flux's kustomize-controller labels, kubectl's last-applied copy), or Argo CD and Flux would prune them as
     * objects of the schedule's application that are not in Git; the schedule's other labels and annotations,
     * v1's labels and the owner reference are there.
     */
    @Test
    void itsBackupsCarryNoArgoCdOrFluxMarkers() {
        String name = "gitops";
        BackupSchedule s = create(name, "{metadata: {labels: {app.kubernetes.io/instance: backups, "
                + "kustomize.toolkit.fluxcd.io/name: backups, kustomize.toolkit.fluxcd.io/namespace: flux-system, team: dba}, "
                + "annotations: {argocd.argoproj.io/tracking-id: 'backups:br.pingcap.com/BackupSchedule:test1/gitops', "
                + "argocd.argoproj.io/sync-options: Prune=false, kubectl.kubernetes.io/last-applied-configuration: '{}', "
                + "kustomize.toolkit.fluxcd.io/reconcile: enabled, owner: dba-team}}, "
                + "spec: {schedule: '0 * * * *', backupTemplate: {azblob: {prefix: gitops-snap}}, logBackupTemplate: {azblob: {prefix: gitops-log}}}}");
        Instant t0 = Instant.parse(s.getMetadata().getCreationTimestamp()).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        TestClock clock = new TestClock(t0);
        step(reconciler(clock, new ControllerMetrics()), clock, name, t0.plusSeconds(30));
        List<Backup> made = children(name);
        assertEquals(2, made.size(), "a snapshot and the log backup");
        for (Backup b : made) {
            Map<String, String> labels = b.getMetadata().getLabels();
            Map<String, String> annotations = b.getMetadata().getAnnotations();
            for (String key : labels.keySet()) {
                assertFalse(key.equals("app.kubernetes.io/instance") || key.startsWith("kustomize.toolkit.fluxcd.io/"), key);
            }
            for (String key : annotations.keySet()) {
                assertFalse(key.startsWith("argocd.argoproj.io/") || key.startsWith("kustomize.toolkit.fluxcd.io/")
                        || key.startsWith("kubectl.kubernetes.io/"), key);
            }
            assertEquals("dba", labels.get("team"));
            assertEquals("gitops", labels.get(ScheduledBackups.SCHEDULE_LABEL));
            assertEquals("backup-schedule", labels.get("app.kubernetes.io/name"));
            assertEquals("dba-team", annotations.get("owner"));
            assertEquals(s.getMetadata().getUid(), b.getMetadata().getOwnerReferences().get(0).getUid());
            assertTrue(b.getMetadata().getOwnerReferences().get(0).getController());
        }
    }

    /** A schedule with a cron the parser refuses (made while no webhook guarded it): nothing, an Event says why. */
    @Test
    void aBadCronInAnExistingScheduleMakesNothingAndSaysWhy() {
        String name = "badcron";
        create(name, "{spec: {schedule: 'every hour', logBackupTemplate: null, backupTemplate: {azblob: {prefix: badcron}}}}");
        TestClock clock = new TestClock(Instant.now().plus(Duration.ofDays(1)));
        ControllerMetrics metrics = new ControllerMetrics();
        ScheduleReconciler reconciler = reconciler(clock, metrics);
        reconciler.reconcile(NS + "/" + name);
        reconciler.reconcile(NS + "/" + name);
        assertEquals(Set.of(), snapshotNames(name));
        List<Event> said = events(name).stream().filter(e -> e.getReason().equals("InvalidSchedule")).toList();
        assertEquals(1, said.size(), "said once, not on every reconcile");
        assertTrue(said.get(0).getMessage().contains("Expected exactly 5 fields, found 2"), said.get(0).getMessage());
        assertEquals("Warning", said.get(0).getType());
        assertTrue(metrics.scrape().contains("brguard_schedule_invalid{namespace=\"test1\",schedule=\"badcron\"} 1.0"));
    }

    /**
     * Another controller writes the schedule's status (a TiDB Operator that reconciles BackupSchedules): brguard
     * stands down on it, says so once, and counts it.
     */
    @Test
    void standsDownOnAScheduleAnotherControllerCarriesOut() {
        String name = "theirs";
        BackupSchedule s = create(name, "{spec: {schedule: '0 * * * *', logBackupTemplate: null, backupTemplate: {azblob: {prefix: theirs}}}}");
        s.getStatus(); // the mock keeps managedFields as written, as an API server records another writer's
        s.getMetadata().setManagedFields(List.of(new io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder()
                .withManager("tidb-operator").withOperation("Update").withSubresource("status").withApiVersion("br.pingcap.com/v1alpha1").build()));
        client.resources(BackupSchedule.class).inNamespace(NS).resource(s).update();
        TestClock clock = new TestClock(Instant.now().plus(Duration.ofDays(1)));
        ControllerMetrics metrics = new ControllerMetrics();
        ScheduleReconciler reconciler = reconciler(clock, metrics);
        reconciler.reconcile(NS + "/" + name);
        reconciler.reconcile(NS + "/" + name);
        assertEquals(List.of(), children(name));
        assertEquals(1, events(name).stream().filter(e -> e.getReason().equals("StoodDown")).count());
        assertTrue(metrics.scrape().contains("brguard_controller_stood_down{kind=\"BackupSchedule\"} 1.0"), metrics.scrape());
    }

    /**
     * Two replicas with leader election, each with informers and workers: one acts. A run that is due is made
     * once, by the leader.
     */
    @Test
    void twoReplicasMakeEachRunOnce() throws Exception {
        String name = "replicas";
        BackupSchedule s = create(name, "{spec: {schedule: '0 * * * *', logBackupTemplate: null, backupTemplate: {azblob: {prefix: replicas}}}}");
        s.setStatus(new io.brguard.policy.model.BackupScheduleStatus());
        s.getStatus().setLastBackupTime(SchedulePlanner.TIME.format(Instant.now().minus(Duration.ofHours(2))));
        client.resources(BackupSchedule.class).inNamespace(NS).resource(s).updateStatus();
        List<ControllerMetrics> metrics = List.of(new ControllerMetrics(), new ControllerMetrics());
        List<ScheduleController> controllers = new ArrayList<>();
        List<CompletableFuture<?>> elections = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ScheduleController c = new ScheduleController(client, new SchedulePlanner(ZoneOffset.UTC), Clock.systemUTC(), metrics.get(i), 2);
            controllers.add(c);
            ControllerMetrics m = metrics.get(i);
            elections.add(LeaderElection.run(client, "brguard", "brguard-schedules-test", "replica-" + i, () -> {
                m.leader(true);
                try {
                    c.start(Duration.ofSeconds(30));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, () -> { }));
        }
        try {
            long end = System.currentTimeMillis() + 20_000;
            while (snapshotNames(name).isEmpty() && System.currentTimeMillis() < end) {
                Thread.sleep(100);
            }
            Thread.sleep(2000); // a few retry periods: the follower never acts
            assertEquals(1, snapshotNames(name).size());
            List<String> leaders = metrics.stream().map(m -> m.scrape().contains("brguard_controller_leader 1.0") ? "leader" : "follower").toList();
            assertEquals(1, leaders.stream().filter("leader"::equals).count(), leaders.toString());
            for (int i = 0; i < 2; i++) {
                boolean made = metrics.get(i).scrape().contains("brguard_schedule_created_backups_total{namespace=\"test1\",schedule=\"replicas\"} 1.0");
                assertEquals(leaders.get(i).equals("leader"), made, "replica " + i + " is " + leaders.get(i) + ": "
                        + metrics.get(i).scrape().lines().filter(l -> l.startsWith("brguard_")).toList());
            }
        } finally {
            elections.forEach(e -> e.cancel(true));
            controllers.forEach(ScheduleController::close);
        }
    }

    private static void step(ScheduleReconciler r, TestClock clock, String name, Instant now) {
        clock.now = now;
        operator(name, now, Set.of());
        r.reconcile(NS + "/" + name);
    }

    private static void patchSpec(String name, String mergePatch) {
        client.resources(BackupSchedule.class).inNamespace(NS).withName(name)
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), mergePatch);
    }

    private static List<Event> events(String name) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "BackupSchedule".equals(e.getInvolvedObject().getKind()))
                .toList();
    }
}
