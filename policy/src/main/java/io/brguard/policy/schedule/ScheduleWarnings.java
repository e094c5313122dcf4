package io.brguard.policy.schedule;

import io.brguard.policy.Findings;
import io.brguard.policy.model.BackupScheduleSpec;
import io.brguard.policy.rules.RuleFamily;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Legal schedules that are probably not what the author meant. Warnings only, each at most 120 characters. */
public final class ScheduleWarnings implements RuleFamily<ScheduleContext> {
    /** Runs closer than this are worth a word: each run is a whole snapshot of the cluster. */
    static final Duration FREQUENT = Duration.ofMinutes(10);
    private static final ZonedDateTime PROBE = ZonedDateTime.of(2026, 1, 5, 0, 0, 0, 0, ZoneOffset.UTC);

    @Override
    public void check(ScheduleContext ctx, Findings out) {
        BackupScheduleSpec spec = ctx.spec();
        frequent(spec.getSchedule(), out);
        boolean byTime = spec.getMaxReservedTime() != null;
        boolean byCount = spec.getMaxBackups() != null && spec.getMaxBackups() > 0;
        if (!byTime && !byCount) {
            // v1 backupGC: "does not set backup gc policy", and deletes nothing.
            out.warn("warn.schedule-no-retention", "spec.maxReservedTime", "neither this nor maxBackups is set: no Backup is ever deleted");
        } else if (byTime && byCount) {
            out.warn("warn.schedule-max-backups-ignored", "spec.maxBackups", "ignored: maxReservedTime is set and wins");
        }
        if (spec.getCompactBackupTemplate() != null || spec.getCompactSpan() != null) {
            out.warn("warn.schedule-no-compaction", spec.getCompactBackupTemplate() != null ? "spec.compactBackupTemplate"
                    : "spec.compactSpan", "nothing compacts: TiDB Operator v2 runs no CompactBackup, brguard creates none");
        }
        Map<String, Object> ignored = new LinkedHashMap<>();
        ignored.put("br", spec.getBr());
        ignored.put("azblob", spec.getAzblob());
        ignored.put("s3", spec.getS3());
        ignored.put("gcs", spec.getGcs());
        ignored.put("local", spec.getLocal());
        ignored.put("storageClassName", spec.getStorageClassName());
        ignored.put("storageSize", spec.getStorageSize());
        ignored.forEach((field, value) -> {
            if (value != null) {
                out.warn("warn.schedule-ignored-field", "spec." + field, "ignored: each Backup is built from the templates");
            }
        });
    }

    private static void frequent(String schedule, Findings out) {
        if (schedule == null || !(Cron.parse(schedule) instanceof Cron.Valid valid)) {
            return;
        }
        Cron cron = valid.cron();
        if (cron instanceof Cron.Spec s && s.everyMinute()) {
            out.warn("warn.schedule-frequent", "spec.schedule", "fires every minute of the hours it matches; once an hour is 0 in the minute field");
            return;
        }
        Optional<ZonedDateTime> first = cron.next(PROBE);
        Optional<ZonedDateTime> second = first.flatMap(cron::next);
        if (second.isPresent()) {
            Duration gap = Duration.between(first.get(), second.get());
            if (gap.compareTo(FREQUENT) < 0) {
                out.warn("warn.schedule-frequent", "spec.schedule", "a full snapshot every " + gap.toString()
                        .substring(2).toLowerCase() + "; a run is skipped while the last is not finished");
            }
        }
    }
}
