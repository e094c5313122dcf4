package io.brguard.controller.schedule;

import io.brguard.policy.field.Tso;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.schedule.ScheduledBackups;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.brguard.policy.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule's decisions, pure, each held to the TiDB Operator v1 function it follows (pingcap/tidb-operator
 * release-1.6 pkg/backup/backupschedule/backup_schedule_manager.go and its test) or to the difference DESIGN.md
 * gives for it.
 */
class SchedulePlannerTest {
    static final Instant NOW = Instant.parse("2026-12-04T10:30:00Z");
    final SchedulePlanner planner = new SchedulePlanner(ZoneOffset.UTC);

    static BackupSchedule schedule(String yamlPatch) {
        tools.jackson.databind.JsonNode base = Fixtures.object("examples/schedules/integrated-backup-schedule-azblob.yaml");
        tools.jackson.databind.JsonNode patch = Fixtures.yaml(yamlPatch);
        BackupSchedule s = Json.toSchedule(io.brguard.policy.testing.MergePatch.apply(base, patch));
        s.getMetadata().setUid("uid-1");
        if (s.getMetadata().getCreationTimestamp() == null) {
            s.getMetadata().setCreationTimestamp("2026-12-01T00:00:00Z");
        }
        return s;
    }

    static Backup run(BackupSchedule s, Instant at, String phase, Instant commit) {
        Backup b = ScheduledBackups.snapshot(s, at);
        BackupStatus st = new BackupStatus();
        st.setPhase(phase);
        if (commit != null) {
            st.setCommitTs(Long.toString(Tso.fromMillis(commit.toEpochMilli())));
        }
        b.setStatus(st);
        return b;
    }

    static Backup log(BackupSchedule s, Instant start, Instant checkpoint) {
        Backup b = ScheduledBackups.log(s, start == null ? NOW : start);
        BackupStatus st = new BackupStatus();
        st.setPhase("Running");
        if (start != null) {
            st.setCommitTs(Long.toString(Tso.fromMillis(start.toEpochMilli())));
        }
        if (checkpoint != null) {
            st.setLogCheckpointTs(Long.toString(Tso.fromMillis(checkpoint.toEpochMilli())));
        }
        b.setStatus(st);
        return b;
    }

    static List<String> names(List<Backup> bs) {
        return bs.stream().map(b -> b.getMetadata().getName()).toList();
    }

    /** getLastScheduledTime: with no run yet, runs count from the schedule's creation; the latest due run is made. */
    @Test
    void makesTheLatestDueRunOfANewSchedule() {
        BackupSchedule s = schedule("{spec: {schedule: '0 * * * *', logBackupTemplate: null}, metadata: {creationTimestamp: '2026-12-04T08:10:00Z'}}");
        SchedulePlanner.Plan p = planner.plan(s, List.of(), NOW);
        assertEquals(List.of("integrated-backup-schedule-azblob-2026-12-04t10-00-00"), names(p.create()));
        assertEquals("integrated-backup-schedule-azblob-2026-12-04t10-00-00", p.status().getLastBackup());
        assertEquals("2026-12-04T10:00:00Z", p.status().getLastBackupTime());
        assertEquals(Instant.parse("2026-12-04T11:00:00Z"), p.requeueAt(), "looked at again at the next run");
        assertTrue(p.statusChanged());
    }

    /** getLastScheduledTime: runs missed during an outage or a pause give one Backup, the latest, not a burst. */
    @Test
    void makesOneBackupForManyMissedRuns() {
        BackupSchedule s = schedule("{spec: {schedule: '*/5 * * * *', logBackupTemplate: null}, status: {lastBackupTime: '2026-09-01T00:00:00Z'}}");
        SchedulePlanner.Plan p = planner.plan(s, List.of(), NOW);
        assertEquals(List.of("integrated-backup-schedule-azblob-2026-12-04t10-30-00"), names(p.create()));
    }

    /** getLastScheduledTime: "timestamp fallback": a last run after now (a clock that went back) makes nothing. */
    @Test
    void makesNothingWhenTheClockWentBackwards() {
        BackupSchedule s = schedule("{spec: {schedule: '0 * * * *', logBackupTemplate: null}, status: {lastBackupTime: '2026-12-04T12:00:00Z'}}");
        SchedulePlanner.Plan p = planner.plan(s, List.of(), NOW);
        assertEquals(List.of(), p.create());
        assertEquals(Instant.parse("2026-12-04T12:00:00Z"), p.requeueAt());
        assertTrue(p.notes().stream().anyMatch(n -> n.reason().equals("ClockBehind")));
    }

    /** getLastScheduledTime: nothing due yet, so nothing made, and the next run is when to look again. */
    @Test
    void waitsForTheNextRun() {
        BackupSchedule s = schedule("{spec: {schedule: '0 * * * *', logBackupTemplate: null}, status: {lastBackupTime: '2026-12-04T10:00:00Z'}}");
        Backup last = run(s, Instant.parse("2026-12-04T10:00:00Z"), "Complete", Instant.parse("2026-12-04T10:02:00Z"));
        SchedulePlanner.Plan p = planner.plan(s, List.of(last), NOW);
        assertEquals(List.of(), p.create());
        assertFalse(p.statusChanged());
        assertEquals(Instant.parse("2026-12-04T11:00:00Z"), p.requeueAt());
    }

    /** canPerformNextBackup: no new snapshot while the last one has not finished (v1 requeues until it has). */
    @ParameterizedTest
    @CsvSource({"Running, false", "Scheduled, false", "Prepare, false", "RetryFailed, false", ", false",
            "Complete, true", "Failed, true", "Invalid, true"})
    void runsOnlyOnceTheLastBackupFinished(String phase, boolean runs) {
        BackupSchedule s = schedule("{spec: {schedule: '0 * * * *', logBackupTemplate: null}, status: {lastBackupTime: '2026-12-04T09:00:00Z'}}");
        Backup last = run(s, Instant.parse("2026-12-04T09:00:00Z"), phase, "Complete".equals(phase) ? Instant.parse("2026-12-04T09:01:00Z") : null);
        SchedulePlanner.Plan p = planner.plan(s, List.of(last), NOW);
        assertEquals(runs ? 1 : 0, p.create().size(), phase);
        if (!runs) {
            assertTrue(p.notes().stream().anyMatch(n -> n.reason().equals("WaitingForLastBackup")));
        }
    }

    /** Sync: a paused schedule makes no Backup and no log backup, but its retention still runs (backupGC is deferred first). */
    @Test
    void aPausedScheduleMakesNothingButStillDeletesOldBackups() {
        BackupSchedule s = schedule("{spec: {pause: true, maxBackups: 1, maxReservedTime: null}, status: {lastBackupTime: '2026-12-04T06:00:00Z'}}");
        List<Backup> children = List.of(
                run(s, Instant.parse("2026-12-04T04:00:00Z"), "Complete", Instant.parse("2026-12-04T04:01:00Z")),
                run(s, Instant.parse("2026-12-04T06:00:00Z"), "Complete", Instant.parse("2026-12-04T06:01:00Z")));
        SchedulePlanner.Plan p = planner.plan(s, children, NOW);
        assertEquals(List.of(), p.create());
        assertEquals(List.of("integrated-backup-schedule-azblob-2026-12-04t04-00-00"), p.delete());
    }

    /** A cron the parser refuses: nothing is made, the plan says why (v1 only logged it on every sync). */
    @Test
    void aBadCronMakesNothingAndSaysWhy() {
        BackupSchedule s = schedule("{spec: {schedule: '0 0 * *'}}");
        SchedulePlanner.Plan p = planner.plan(s, List.of(), NOW);
        assertEquals(List.of("log-integrated-backup-schedule-azblob"), names(p.create()), "the log backup needs no cron");
        assertTrue(p.invalid());
        SchedulePlanner.Note note = p.notes().stream().filter(n -> n.reason().equals("InvalidSchedule")).findFirst().orElseThrow();
        assertTrue(note.message().contains("Expected exactly 5 fields, found 4"), note.message());
        assertEquals("Warning", note.type());
    }

    /** createLogBackup: one log backup, log-<schedule>, started once; status.logBackup and logBackupStartTs. */
    @Test
    void startsTheLogBackupOnce() {
        BackupSchedule s = schedule("{spec: {schedule: '0 0 * * *'}, status: {lastBackupTime: '2026-12-04T00:00:00Z'}}");
        SchedulePlanner.Plan p = planner.plan(s, List.of(), NOW);
        assertEquals(List.of("log-integrated-backup-schedule-azblob"), names(p.create()));
        Backup logBackup = p.create().get(0);
        assertEquals("schedule-backup-folder-log/log-2026-12-04t10-30-00", logBackup.getSpec().getAzblob().getPrefix());
        assertEquals("log-integrated-backup-schedule-azblob", p.status().getLogBackup());
        assertEquals("2026-12-04T10:30:00Z", p.status().getLogBackupStartTs());
        BackupSchedule after = schedule("{spec: {schedule: '0 0 * * *'}, status: {lastBackupTime: '2026-12-04T00:00:00Z', "
                + "logBackup: log-integrated-backup-schedule-azblob, logBackupStartTs: '2026-12-04T10:30:00Z'}}");
        assertEquals(List.of(), planner.plan(after, List.of(log(after, NOW, NOW)), NOW.plusSeconds(60)).create());
    }

    /** v1 errors on every sync once its log backup is gone; brguard starts a new one and says so. */
    @Test
    void startsANewLogBackupWhenItsLogBackupWasDeleted() {
        BackupSchedule s = schedule("{spec: {schedule: '0 0 * * *'}, status: {lastBackupTime: '2026-12-04T00:00:00Z', "
                + "logBackup: log-integrated-backup-schedule-azblob, logBackupStartTs: '2026-12-01T00:00:00Z'}}");
        SchedulePlanner.Plan p = planner.plan(s, List.of(), NOW);
        assertEquals(List.of("log-integrated-backup-schedule-azblob"), names(p.create()));
        assertEquals("2026-12-04T10:30:00Z", p.status().getLogBackupStartTs());
        assertTrue(p.notes().stream().anyMatch(n -> n.reason().equals("LogBackupMissing")));
    }

    /** A crash between making a run and recording it: the run is adopted from its name, never made twice. */
    @Test
    void adoptsARunMadeBeforeACrashInsteadOfMakingItAgain() {
        BackupSchedule s = schedule("{spec: {schedule: '0 * * * *', logBackupTemplate: null}, status: {lastBackupTime: '2026-12-04T09:00:00Z'}}");
        Backup made = run(s, Instant.parse("2026-12-04T10:00:00Z"), "Running", null);
        SchedulePlanner.Plan p = planner.plan(s, List.of(made), NOW);
        assertEquals(List.of(), p.create());
        assertEquals("integrated-backup-schedule-azblob-2026-12-04t10-00-00", p.status().getLastBackup());
        assertEquals("2026-12-04T10:00:00Z", p.status().getLastBackupTime());
    }

    /** backupGCByMaxBackups keeps the newest; unlike v1 it never deletes the log backup (pingcap/tidb-operator#6320). */
    @Test
    void maxBackupsKeepsTheNewestAndNeverTheLogBackup() {
        BackupSchedule s = schedule("{spec: {maxBackups: 2, maxReservedTime: null}, status: {lastBackupTime: '2026-12-04T10:00:00Z', logBackup: log-integrated-backup-schedule-azblob}}");
        List<Backup> children = new ArrayList<>();
        children.add(log(s, Instant.parse("2026-12-01T00:00:00Z"), NOW.minusSeconds(60)));
        for (int h = 6; h <= 10; h += 2) {
            Instant at = Instant.parse("2026-12-04T%02d:00:00Z".formatted(h));
            children.add(run(s, at, "Complete", at.plusSeconds(60)));
        }
        SchedulePlanner.Plan p = planner.plan(s, children, NOW);
        assertEquals(List.of("integrated-backup-schedule-azblob-2026-12-04t06-00-00"), p.delete());
        // The oldest snapshot kept is the base of point-in-time recovery: the log is truncated to it (#6068).
        assertEquals(Long.toString(Tso.fromMillis(Instant.parse("2026-12-04T08:01:00Z").toEpochMilli())), p.truncate().until());
        assertEquals("log-integrated-backup-schedule-azblob", p.truncate().backup());
    }

    /** A running snapshot is never deleted, whatever its age or the count. */
    @Test
    void neverDeletesARunningBackup() {
        BackupSchedule s = schedule("{spec: {maxBackups: 1, maxReservedTime: null, logBackupTemplate: null}, status: {lastBackupTime: '2026-12-04T10:00:00Z'}}");
        List<Backup> children = List.of(run(s, Instant.parse("2026-12-04T08:00:00Z"), "Running", null),
                run(s, Instant.parse("2026-12-04T10:00:00Z"), "Complete", Instant.parse("2026-12-04T10:01:00Z")));
        assertEquals(List.of(), planner.plan(s, children, NOW).delete());
    }

    /** calculateExpiredBackups: without a log backup, a snapshot expires maxReservedTime after its commitTs. */
    @Test
    void maxReservedTimeWithoutALogBackupCountsFromNow() {
        BackupSchedule s = schedule("{spec: {maxReservedTime: 3h, logBackupTemplate: null}, status: {lastBackupTime: '2026-12-04T10:00:00Z'}}");
        List<Backup> children = new ArrayList<>();
        for (int h = 6; h <= 10; h++) {
            Instant at = Instant.parse("2026-12-04T%02d:00:00Z".formatted(h));
            children.add(run(s, at, "Complete", at.plusSeconds(60)));
        }
        SchedulePlanner.Plan p = planner.plan(s, children, NOW);
        assertEquals(List.of("integrated-backup-schedule-azblob-2026-12-04t06-00-00", "integrated-backup-schedule-azblob-2026-12-04t07-00-00"), p.delete());
        assertNull(p.truncate());
        assertEquals(Instant.parse("2026-12-04T11:01:00Z"), p.requeueAt(), "the next expiry, before the next run");
    }

    /**
     * TestCalculateExpiredBackupsWithLogBackup, case by case: snapshots one to four days old and ten minutes old,
     * 24h of retention; the log backup's start and checkpoint decide what is deleted and where it is truncated.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // snapshots (days ago; 0 = ten minutes) | log start | log checkpoint | deleted | truncated until (days ago)
            "0 | - | - | 0 | -",
            "3,2,1,0 | 0 | - | 1 | -",
            "3,1 | 4 | 0 | 0 | -",
            "3,2,1 | 1 | 0 | 1 | -",
            "4,3,2,1 | 1 | 0 | 2 | -",
            "4,3,2,1 | 3 | 0 | 2 | 2"})
    void retentionWithALogBackupKeepsTheBaseOfPointInTimeRecovery(String snapshots, String start, String checkpoint,
                                                                  int deleted, String truncatedDaysAgo) {
        BackupSchedule s = schedule("{spec: {maxReservedTime: 24h, schedule: '0 0 1 1 *'}, status: {lastBackupTime: '2026-12-04T10:00:00Z', logBackup: log-integrated-backup-schedule-azblob}}");
        List<Backup> children = new ArrayList<>();
        for (String d : snapshots.split(",")) {
            Instant at = ago(d.trim());
            children.add(run(s, at, "Complete", at));
        }
        children.add(log(s, start.trim().equals("-") ? null : ago(start.trim()), checkpoint.trim().equals("-") ? null : ago(checkpoint.trim())));
        SchedulePlanner.Plan p = planner.plan(s, children, NOW);
        assertEquals(deleted, p.delete().size(), p.delete().toString());
        if (truncatedDaysAgo.trim().equals("-")) {
            assertNull(p.truncate());
        } else {
            assertEquals(Long.toString(Tso.fromMillis(ago(truncatedDaysAgo.trim()).toEpochMilli())), p.truncate().until());
        }
    }

    private static Instant ago(String days) {
        int d = Integer.parseInt(days);
        return d == 0 ? NOW.minus(Duration.ofMinutes(10)) : NOW.minus(Duration.ofDays(d));
    }

    /** The log backup is truncated forward only: never to or before a truncate done or already asked for. */
    @Test
    void truncatesOnlyForward() {
        BackupSchedule s = schedule("{spec: {maxBackups: 1, maxReservedTime: null}, status: {lastBackupTime: '2026-12-04T10:00:00Z', logBackup: log-integrated-backup-schedule-azblob}}");
        Instant nine = Instant.parse("2026-12-04T09:00:00Z");
        Instant ten = Instant.parse("2026-12-04T10:00:00Z");
        Backup logBackup = log(s, Instant.parse("2026-12-01T00:00:00Z"), NOW);
        logBackup.getSpec().setLogTruncateUntil(Long.toString(Tso.fromMillis(ten.toEpochMilli())));
        List<Backup> children = List.of(logBackup, run(s, nine, "Complete", nine), run(s, ten, "Complete", ten));
        SchedulePlanner.Plan p = planner.plan(s, children, NOW);
        assertEquals(1, p.delete().size());
        assertNull(p.truncate(), "asked already until 10:00");
    }

    /** resetLastBackup: when retention deleted every Backup, runs count from then (allBackupCleanTime). */
    @Test
    void resetsTheLastBackupWhenEveryBackupIsGone() {
        BackupSchedule s = schedule("{spec: {maxReservedTime: 1h, logBackupTemplate: null, pause: true}, status: {lastBackupTime: '2026-12-04T06:00:00Z', lastBackup: integrated-backup-schedule-azblob-2026-12-04t06-00-00}}");
        Backup only = run(s, Instant.parse("2026-12-04T06:00:00Z"), "Complete", Instant.parse("2026-12-04T06:01:00Z"));
        SchedulePlanner.Plan p = planner.plan(s, List.of(only), NOW);
        assertEquals(List.of("integrated-backup-schedule-azblob-2026-12-04t06-00-00"), p.delete());
        assertEquals("", p.status().getLastBackup());
        assertNull(p.status().getLastBackupTime());
        assertEquals("2026-12-04T10:30:00Z", p.status().getAllBackupCleanTime());
    }

    /** A retention Go cannot parse deletes nothing, as in v1 (which does not fall back to maxBackups), and says so. */
    @Test
    void anUnparsableRetentionDeletesNothing() {
        BackupSchedule s = schedule("{spec: {maxReservedTime: 3d, maxBackups: 1, logBackupTemplate: null}, status: {lastBackupTime: '2026-12-04T10:00:00Z'}}");
        List<Backup> children = List.of(run(s, Instant.parse("2026-11-01T00:00:00Z"), "Complete", Instant.parse("2026-11-01T00:01:00Z")),
                run(s, Instant.parse("2026-12-04T10:00:00Z"), "Complete", Instant.parse("2026-12-04T10:01:00Z")));
        SchedulePlanner.Plan p = planner.plan(s, children, NOW);
        assertEquals(List.of(), p.delete());
        assertTrue(p.notes().stream().anyMatch(n -> n.reason().equals("InvalidRetention")));
    }

    /** Another controller writing the schedule's status (TiDB Operator, once it reconciles schedules): brguard stands down. */
    @Test
    void standsDownWhenAnotherControllerWritesTheStatus() {
        BackupSchedule s = schedule("{spec: {schedule: '0 * * * *'}}");
        s.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("tidb-operator")
                .withOperation("Update").withSubresource("status").build()));
        SchedulePlanner.Plan p = planner.plan(s, List.of(), NOW);
        assertEquals("its status is written by tidb-operator", p.standDown());
        assertEquals(List.of(), p.create());
        assertFalse(p.statusChanged());
        BackupSchedule ours = schedule("{spec: {schedule: '0 * * * *'}}");
        ours.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("brguard-controller")
                .withOperation("Update").withSubresource("status").build(), new ManagedFieldsEntryBuilder()
                .withManager("argocd-controller").withOperation("Apply").build()));
        assertNull(planner.plan(ours, List.of(), NOW).standDown(), "its own writes and Argo CD's spec are no other controller");
        BackupSchedule compacting = schedule("{spec: {schedule: '0 * * * *'}, status: {lastCompact: compact-x}}");
        assertNotNull(planner.plan(compacting, List.of(), NOW).standDown());
    }
}
