package io.brguard.controller.schedule;

import io.brguard.policy.Specs;
import io.brguard.policy.field.GoDuration;
import io.brguard.policy.field.Tso;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupCondition;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.model.BackupScheduleSpec;
import io.brguard.policy.model.BackupScheduleStatus;
import io.brguard.policy.schedule.Cron;
import io.brguard.policy.schedule.ScheduledBackups;
import io.brguard.policy.schedule.Slots;
import io.brguard.controller.OtherControllers;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one reconcile of a BackupSchedule does, decided from the schedule, the Backups it made and the time:
 * pure, so a month of a schedule can be played in a test. It follows TiDB Operator v1
 * (pingcap/tidb-operator release-1.6 pkg/backup/backupschedule/backup_schedule_manager.go, named per method below)
 * with the differences DESIGN.md lists: deterministic child names (a crash never makes a second Backup), no new
 * snapshot while any of its snapshots runs, GC that never deletes a running Backup or the log backup, truncation
 * by maxBackups too, and a deleted log backup started again.
 */
public final class SchedulePlanner {
    /** The field manager brguard's controller writes with; any other status writer means another controller. */
    public static final String FIELD_MANAGER = OtherControllers.FIELD_MANAGER;
    /** Status fields only a compacting controller writes (v1 createCompact); brguard writes none of them. */
    static final List<String> FOREIGN_STATUS = List.of("lastCompact", "lastCompactTs", "nextCompactEndTs");
    /** metav1.Time: RFC 3339 in UTC, whole seconds. */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(java.time.ZoneOffset.UTC);

    private final ZoneId zone;

    /** @param zone where cron fields are read (v1 reads them in the operator's local time zone) */
    public SchedulePlanner(ZoneId zone) {
        this.zone = zone;
    }

    /** A Warning or Normal Event on the schedule; {@code key} names the condition so it is said once. */
    public record Note(String type, String reason, String message, String key) {
        static Note warning(String reason, String message, String key) {
            return new Note("Warning", reason, message, key);
        }

        static Note normal(String reason, String message) {
            return new Note("Normal", reason, message, reason + ":" + message);
        }
    }

    /** A log backup truncation: set its spec.logTruncateUntil (a TSO). */
    public record Truncate(String backup, String until) {
    }

    /**
     * The plan. {@code status} is the schedule's status after the plan (equal to the old one when unchanged);
     * {@code requeueAt} is the next time the plan would differ by the clock alone (a run, an expiry), or null;
     * {@code standDown} says another controller acts on the schedule and nothing else is done.
     */
    public record Plan(List<Backup> create, List<String> delete, Truncate truncate, BackupScheduleStatus status,
                       boolean statusChanged, Instant requeueAt, List<Note> notes, String standDown, boolean invalid,
                       Instant lastRun, Instant nextRun) {
    }

    public Plan plan(BackupSchedule schedule, List<Backup> children, Instant now) {
        String other = otherActor(schedule);
        if (other != null) {
            return new Plan(List.of(), List.of(), null, schedule.getStatus(), false, null, List.of(), other, false,
                    null, null);
        }
        return new Work(schedule, children, now).plan();
    }

    /**
     * Who else writes this schedule's status, or null. TiDB Operator v2 reconciles no BackupSchedule today; when a
     * version does (its field manager is tidb-operator, cmd/tidb-operator/main.go), its status writes show in
     * metadata.managedFields, or it fills the compaction fields brguard never writes, and brguard stands down.
     */
    static String otherActor(BackupSchedule schedule) {
        String writer = OtherControllers.statusWriter(schedule.getMetadata());
        if (writer != null) {
            return "its status is written by " + writer;
        }
        BackupScheduleStatus s = schedule.getStatus();
        if (s != null) {
            for (String f : FOREIGN_STATUS) {
                Object v = switch (f) {
                    case "lastCompact" -> s.getLastCompact();
                    case "lastCompactTs" -> s.getLastCompactTs();
                    default -> s.getNextCompactEndTs();
                };
                if (v != null && !v.toString().isEmpty()) {
                    return "status." + f + " is set, and brguard never sets it";
                }
            }
        }
        return null;
    }

    /** One planning pass. */
    private final class Work {
        final BackupSchedule schedule;
        final BackupScheduleSpec spec;
        final String name;
        final Instant now;
        final BackupScheduleStatus before;
        final BackupScheduleStatus status;
        final List<Backup> snapshots = new ArrayList<>();
        Backup log;
        final List<Backup> create = new ArrayList<>();
        final List<String> delete = new ArrayList<>();
        final List<Note> notes = new ArrayList<>();
        Truncate truncate;
        Instant requeueAt;
        boolean invalid;
        Instant lastRun;
        Instant nextRun;

        Work(BackupSchedule schedule, List<Backup> children, Instant now) {
            this.schedule = schedule;
            this.spec = schedule.getSpec();
            this.name = schedule.getMetadata().getName();
            this.now = now;
            this.before = schedule.getStatus() == null ? new BackupScheduleStatus() : schedule.getStatus();
            this.status = copy(before);
            String logName = ScheduledBackups.logName(name);
            for (Backup b : children) {
                String n = Specs.name(b);
                if (n.equals(logName)) {
                    log = b;
                } else if (ScheduledBackups.runTime(name, n).isPresent()) {
                    snapshots.add(b);
                }
            }
            snapshots.sort(Comparator.comparing(this::runTime));
        }

        Plan plan() {
            adoptNewestRun();
            gc();
            if (!Boolean.TRUE.equals(spec.getPause())) {
                logBackup();
                snapshot();
            }
            boolean changed = !same(before, status);
            return new Plan(List.copyOf(create), List.copyOf(delete), truncate, status, changed, requeueAt,
                    List.copyOf(notes), null, invalid, lastRun, nextRun);
        }

        Instant runTime(Backup b) {
            return ScheduledBackups.runTime(name, Specs.name(b)).orElse(Instant.EPOCH);
        }

        /**
         * The newest run among the children is the last backup, whatever the status says: a crash between creating
         * a Backup and writing the status is repaired here instead of making the run again (v1 would: it named
         * runs by the time they were made).
         */
        void adoptNewestRun() {
            if (snapshots.isEmpty()) {
                return;
            }
            Backup newest = snapshots.get(snapshots.size() - 1);
            Instant at = runTime(newest);
            Instant recorded = parse(status.getLastBackupTime());
            if (recorded == null || at.isAfter(recorded)) {
                status.setLastBackup(Specs.name(newest));
                status.setLastBackupTime(TIME.format(at));
                status.setAllBackupCleanTime(null);
            }
        }

        /** v1 createLogBackup, and a log backup that was deleted started again (v1 stopped every run instead). */
        void logBackup() {
            if (spec.getLogBackupTemplate() == null) {
                return;
            }
            String logName = ScheduledBackups.logName(name);
            if (log != null) {
                if (!logName.equals(status.getLogBackup())) {
                    status.setLogBackup(logName); // adopt: created before a crash took the status write
                    if (status.getLogBackupStartTs() == null && log.getMetadata().getCreationTimestamp() != null) {
                        status.setLogBackupStartTs(log.getMetadata().getCreationTimestamp());
                    }
                }
                String phase = Specs.phase(log);
                if (Set.of("Stopped", "Failed", "Invalid").contains(phase)) {
                    notes.add(Note.warning("LogBackupNotRunning", "log backup " + logName + " is " + phase
                            + ": point-in-time recovery after it is not possible; delete it and the schedule starts a new one",
                            "log-not-running:" + logName + ":" + phase));
                }
                return;
            }
            if (status.getLogBackup() != null) {
                notes.add(Note.warning("LogBackupMissing", "log backup " + status.getLogBackup()
                        + " is gone; starting a new one", "log-missing:" + now.truncatedTo(ChronoUnit.MINUTES)));
            }
            Backup child = ScheduledBackups.log(schedule, now);
            create.add(child);
            status.setLogBackup(logName);
            status.setLogBackupStartTs(TIME.format(now));
        }

        /** v1 canPerformNextBackup and getLastScheduledTime: at most one new snapshot, never beside a running one. */
        void snapshot() {
            Cron.Parsed parsed = Cron.parse(spec.getSchedule());
            if (parsed instanceof Cron.Invalid bad) {
                invalid = true;
                notes.add(Note.warning("InvalidSchedule", "spec.schedule " + quote(spec.getSchedule())
                        + " is not a cron schedule (" + bad.error() + "); no Backup is made", "cron:" + spec.getSchedule()));
                return;
            }
            Cron cron = ((Cron.Valid) parsed).cron();
            Instant earliest = parse(status.getLastBackupTime());
            if (earliest == null) {
                earliest = parse(status.getAllBackupCleanTime());
            }
            if (earliest == null) {
                earliest = parse(schedule.getMetadata().getCreationTimestamp());
            }
            if (earliest == null) {
                earliest = now;
            }
            lastRun = parse(status.getLastBackupTime());
            ZonedDateTime from = ZonedDateTime.ofInstant(earliest, zone);
            Optional<ZonedDateTime> nextAfterNow = cron.next(ZonedDateTime.ofInstant(now, zone));
            nextRun = nextAfterNow.map(ZonedDateTime::toInstant).orElse(null);
            if (earliest.isAfter(now)) {
                // v1: "timestamp fallback, waiting for the next backup schedule period"
                notes.add(Note.warning("ClockBehind", "the last run " + TIME.format(earliest) + " is after now ("
                        + TIME.format(now) + "): no Backup until the clock passes it", "clock:" + TIME.format(earliest)));
                requeue(earliest);
                return;
            }
            Optional<ZonedDateTime> due = Slots.lastAtOrBefore(cron, from, ZonedDateTime.ofInstant(now, zone));
            if (due.isEmpty()) {
                if (nextAfterNow.isPresent()) {
                    requeue(nextAfterNow.get().toInstant());
                } else {
                    invalid = true;
                    notes.add(Note.warning("InvalidSchedule", "spec.schedule " + quote(spec.getSchedule())
                            + " never fires; no Backup is made", "never:" + spec.getSchedule()));
                }
                return;
            }
            Optional<Backup> running = snapshots.stream().filter(b -> !terminal(b)).findFirst();
            if (running.isPresent()) {
                // v1 canPerformNextBackup: wait for the last backup; its status change calls the schedule again.
                notes.add(Note.normal("WaitingForLastBackup", "run " + TIME.format(due.get().toInstant())
                        + " waits: " + Specs.name(running.get()) + " is " + phaseText(running.get())));
                nextAfterNow.ifPresent(t -> requeue(t.toInstant()));
                return;
            }
            Instant run = due.get().toInstant().truncatedTo(ChronoUnit.SECONDS);
            create.add(ScheduledBackups.snapshot(schedule, run));
            status.setLastBackup(ScheduledBackups.snapshotName(name, run));
            status.setLastBackupTime(TIME.format(run));
            status.setAllBackupCleanTime(null);
            lastRun = run;
            nextAfterNow.ifPresent(t -> requeue(t.toInstant()));
        }

        /**
         * v1 backupGC: maxReservedTime wins over maxBackups; a running Backup is never deleted, nor the log backup
         * (v1 deleted it under maxBackups: pingcap/tidb-operator#6320); the log backup is truncated to the oldest
         * snapshot kept, for maxBackups too (#6068), and only forward.
         */
        void gc() {
            Duration reserved = null;
            if (spec.getMaxReservedTime() != null) {
                GoDuration.Parsed p = GoDuration.parse(spec.getMaxReservedTime());
                if (p instanceof GoDuration.Value v && !v.duration().isNegative() && !v.duration().isZero()) {
                    reserved = v.duration();
                } else {
                    // v1 logs "invalid MaxReservedTime" and deletes nothing, and does not fall back to maxBackups.
                    notes.add(Note.warning("InvalidRetention", "spec.maxReservedTime " + quote(spec.getMaxReservedTime())
                            + " is not a positive Go duration: no Backup is deleted", "retention:" + spec.getMaxReservedTime()));
                    return;
                }
            }
            List<Backup> expired = new ArrayList<>();
            Backup base = null;
            if (reserved != null) {
                long latest = -1;
                boolean withLog = log != null && commitTs(log) != -1;
                Instant horizon;
                if (withLog) {
                    // calculateLatestTSO: the later of the newest snapshot and the log checkpoint.
                    latest = Math.max(checkpoint(log), snapshots.stream().filter(this::complete)
                            .mapToLong(SchedulePlanner::commitTs).max().orElse(-1));
                    horizon = Instant.ofEpochMilli(Tso.toMillis(latest)).minus(reserved);
                } else {
                    horizon = now.minus(reserved); // calculateExpiredBackups: relative to now
                }
                // calExpiredBackupsWithLogBackupOn: the newest Complete snapshot at or before the horizon is kept as
                // the base of point-in-time recovery; without a log backup nothing needs a base.
                for (Backup b : snapshots) {
                    if (complete(b) && !time(b).isAfter(horizon)) {
                        base = b;
                    }
                }
                for (Backup b : snapshots) {
                    if (!terminal(b)) {
                        continue;
                    }
                    boolean old = complete(b) ? (withLog ? base != null && commitTs(b) < commitTs(base) : time(b).isBefore(horizon))
                            : runTime(b).isBefore(horizon);
                    if (old) {
                        expired.add(b);
                    }
                }
                if (!withLog) {
                    base = null;
                }
                Duration keep = reserved;
                Instant nextExpiry = snapshots.stream().filter(b -> !expired.contains(b)).map(b -> time(b).plus(keep))
                        .filter(t -> t.isAfter(now)).min(Comparator.naturalOrder()).orElse(null);
                if (!withLog && nextExpiry != null) {
                    requeue(nextExpiry);
                }
            } else if (spec.getMaxBackups() != null && spec.getMaxBackups() > 0) {
                // backupGCByMaxBackups: keep the newest maxBackups snapshots.
                int keep = spec.getMaxBackups();
                for (int i = 0; i < snapshots.size() - keep; i++) {
                    if (terminal(snapshots.get(i))) {
                        expired.add(snapshots.get(i));
                    }
                }
                for (Backup b : snapshots) {
                    if (!expired.contains(b) && complete(b)) {
                        base = b;
                        break;
                    }
                }
            } else {
                return; // v1: "does not set backup gc policy"
            }
            for (Backup b : expired) {
                if (b.getMetadata().getDeletionTimestamp() == null) {
                    delete.add(Specs.name(b));
                }
            }
            if (!expired.isEmpty() && expired.size() == snapshots.size()) {
                // v1 resetLastBackup: every Backup is gone; runs count from now.
                status.setLastBackup("");
                status.setLastBackupTime(null);
                status.setAllBackupCleanTime(TIME.format(now));
            }
            if (!expired.isEmpty() && base != null && log != null) {
                truncateTo(commitTs(base));
            }
        }

        /**
         * calLogBackupTruncateTSO and checkTruncateTSOWithinLogBackupRange: only inside (start, checkpoint], and
         * only forward of both the last truncate done and the one asked for.
         */
        void truncateTo(long tso) {
            long start = commitTs(log);
            long checkpoint = checkpoint(log);
            if (tso <= start || checkpoint == -1 || tso > checkpoint) {
                return;
            }
            String phase = Specs.phase(log);
            if (!Set.of("Running", "Paused", "Stopped").contains(phase)) {
                return;
            }
            long done = Tso.valueOrMinusOne(log.getStatus().getLogSuccessTruncateUntil());
            long asked = Tso.valueOrMinusOne(log.getSpec().getLogTruncateUntil());
            if (tso <= done || tso <= asked) {
                return;
            }
            truncate = new Truncate(Specs.name(log), Long.toUnsignedString(tso));
        }

        void requeue(Instant at) {
            requeueAt = requeueAt == null ? at : min(requeueAt, at);
        }

        /** A Complete snapshot's time is its commitTs; any other's the time of its run. */
        Instant time(Backup b) {
            long ts = commitTs(b);
            return complete(b) && ts != -1 ? Instant.ofEpochMilli(Tso.toMillis(ts)) : runTime(b);
        }

        boolean complete(Backup b) {
            return is(b, "Complete") && commitTs(b) != -1;
        }
    }

    /** v2 IsBackupComplete / IsBackupFailed / IsBackupInvalid for a snapshot, or on its way out. */
    static boolean terminal(Backup b) {
        return b.getMetadata().getDeletionTimestamp() != null || is(b, "Complete") || is(b, "Failed") || is(b, "Invalid");
    }

    /** The phase, or a condition of that type with status True (v2 GetBackupCondition). */
    static boolean is(Backup b, String type) {
        if (b.getStatus() == null) {
            return false;
        }
        if (type.equals(b.getStatus().getPhase())) {
            return true;
        }
        List<BackupCondition> conditions = b.getStatus().getConditions();
        return conditions != null && conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static long commitTs(Backup b) {
        return b.getStatus() == null ? -1 : Tso.valueOrMinusOne(b.getStatus().getCommitTs());
    }

    static long checkpoint(Backup b) {
        return b.getStatus() == null ? -1 : Tso.valueOrMinusOne(b.getStatus().getLogCheckpointTs());
    }

    private static String phaseText(Backup b) {
        String p = Specs.phase(b);
        return p.isEmpty() ? "not started" : p;
    }

    static Instant parse(String time) {
        if (time == null || time.isEmpty()) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(time).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    private static BackupScheduleStatus copy(BackupScheduleStatus s) {
        BackupScheduleStatus c = new BackupScheduleStatus();
        c.setLastBackup(s.getLastBackup());
        c.setLastBackupTime(s.getLastBackupTime());
        c.setLogBackup(s.getLogBackup());
        c.setLogBackupStartTs(s.getLogBackupStartTs());
        c.setAllBackupCleanTime(s.getAllBackupCleanTime());
        c.setLastCompact(s.getLastCompact());
        c.setLastCompactTs(s.getLastCompactTs());
        c.setNextCompactEndTs(s.getNextCompactEndTs());
        return c;
    }

    private static boolean same(BackupScheduleStatus a, BackupScheduleStatus b) {
        return Objects.equals(a.getLastBackup(), b.getLastBackup()) && Objects.equals(a.getLastBackupTime(), b.getLastBackupTime())
                && Objects.equals(a.getLogBackup(), b.getLogBackup()) && Objects.equals(a.getLogBackupStartTs(), b.getLogBackupStartTs())
                && Objects.equals(a.getAllBackupCleanTime(), b.getAllBackupCleanTime());
    }
}
