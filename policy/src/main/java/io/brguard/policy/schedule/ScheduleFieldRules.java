package io.brguard.policy.schedule;

import io.brguard.policy.Findings;
import io.brguard.policy.Specs;
import io.brguard.policy.field.GoDuration;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupScheduleSpec;
import io.brguard.policy.model.BackupSpec;
import io.brguard.policy.rules.FieldRules;
import io.brguard.policy.rules.RuleFamily;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * What a BackupSchedule must be for brguard's controller (and TiDB Operator v1 before it) to carry it out: a cron
 * it can parse and that fires, retention durations Go can parse, a snapshot template and a log template of the
 * right modes for one cluster, no template field the schedule manages itself, and a name its children's Jobs fit.
 */
public final class ScheduleFieldRules implements RuleFamily<ScheduleContext> {
    public static final String CRON = "schedule.cron";
    public static final String DURATION = "schedule.duration";
    public static final String TEMPLATE_MODE = "schedule.template-mode";
    public static final String TEMPLATE_FIELD = "schedule.template-field";
    public static final String CLUSTER_MISMATCH = "schedule.cluster-mismatch";
    public static final String NAME_TOO_LONG = "schedule.name-too-long";
    /** How far ahead a schedule must fire: robfig's SpecSchedule.Next gives up after five years. */
    private static final ZonedDateTime PROBE = ZonedDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    @Override
    public void check(ScheduleContext ctx, Findings out) {
        BackupScheduleSpec spec = ctx.spec();
        cron(spec.getSchedule(), out);
        duration("spec.maxReservedTime", spec.getMaxReservedTime(), true, out);
        duration("spec.compactSpan", spec.getCompactSpan(), false, out);
        BackupSpec snapshot = spec.getBackupTemplate();
        BackupSpec log = spec.getLogBackupTemplate();
        if (snapshot != null && Specs.isLog(snapshot)) {
            out.deny(TEMPLATE_MODE, "spec.backupTemplate.backupMode", "backupTemplate makes the scheduled snapshots, "
                    + "but this one is a log backup: BR allows one log task per cluster", "log",
                    "set backupMode: snapshot here and put the log backup in logBackupTemplate");
        }
        if (snapshot != null && !Specs.isBlank(snapshot.getCommitTs())) {
            out.deny(TEMPLATE_FIELD, "spec.backupTemplate.commitTs", "every scheduled snapshot would back up this same moment",
                    snapshot.getCommitTs(), "remove commitTs: each run backs up the time it starts");
        }
        if (log != null) {
            if (!Specs.isLog(log)) {
                out.deny(TEMPLATE_MODE, "spec.logBackupTemplate.backupMode", "not log (snapshot is the CRD's default "
                                + "when backupMode is left out): the schedule would make one snapshot named log-<name>",
                        log.getBackupMode(), "set backupMode: log");
            } else if (!Specs.isBlank(log.getLogTruncateUntil())) {
                out.deny(TEMPLATE_FIELD, "spec.logBackupTemplate.logTruncateUntil", "the schedule truncates its log "
                        + "backup itself, to the oldest snapshot it keeps", log.getLogTruncateUntil(),
                        "remove it; set maxReservedTime or maxBackups");
            }
            clusterMismatch(ctx, snapshot, log, out);
        }
        if (ctx.isCreate()) {
            nameLength(ctx, log != null, out);
        }
    }

    private static void cron(String schedule, Findings out) {
        if (schedule == null) {
            return; // the schema reports it
        }
        Cron.Parsed parsed = Cron.parse(schedule);
        if (parsed instanceof Cron.Invalid bad) {
            out.deny(CRON, "spec.schedule", "not a cron schedule TiDB Operator's parser (robfig/cron "
                    + "ParseStandard) reads: " + bad.error(), schedule,
                    "use five fields (minute hour day-of-month month day-of-week), e.g. \"0 */6 * * *\", or @daily");
            return;
        }
        Cron cron = ((Cron.Valid) parsed).cron();
        if (cron.next(PROBE).isEmpty()) {
            out.deny(CRON, "spec.schedule", "never fires: no such day within five years", schedule,
                    "check the day-of-month and month fields (e.g. 30 2 is February 30th)");
        }
    }

    private static void duration(String path, String value, boolean positive, Findings out) {
        if (value == null) {
            return;
        }
        GoDuration.Parsed p = GoDuration.parse(value);
        if (p instanceof GoDuration.Invalid bad) {
            out.deny(DURATION, path, "not a Go duration (" + bad.error() + "): TiDB Operator logs it and "
                    + "deletes no Backup at all", value, "use h, m or s, e.g. 72h for three days");
        } else if (positive && (((GoDuration.Value) p).duration().isNegative() || ((GoDuration.Value) p).duration().isZero())) {
            out.deny(DURATION, path, "not positive: every Backup of the schedule would be out of retention at once",
                    value, "keep Backups for a positive time, e.g. 72h");
        }
    }

    /** PITR restores a snapshot and replays the log of the same cluster: both templates must name one cluster. */
    private static void clusterMismatch(ScheduleContext ctx, BackupSpec snapshot, BackupSpec log, Findings out) {
        Optional<Specs.ClusterRef> a = cluster(ctx, snapshot);
        Optional<Specs.ClusterRef> b = cluster(ctx, log);
        if (a.isPresent() && b.isPresent() && !a.get().equals(b.get())) {
            out.deny(CLUSTER_MISMATCH, "spec.logBackupTemplate.br.cluster", "the log backup and the snapshots back up "
                    + "different clusters, so no restore can use them together", b.get() + " vs " + a.get(),
                    "use the same br.cluster (and br.clusterNamespace) in both templates");
        }
    }

    static Optional<Specs.ClusterRef> cluster(ScheduleContext ctx, BackupSpec template) {
        if (template == null) {
            return Optional.empty();
        }
        Backup probe = new Backup();
        probe.getMetadata().setNamespace(ctx.namespace());
        probe.setSpec(template);
        return Specs.cluster(probe);
    }

    /**
     * TiDB Operator names a snapshot's Job {@code backup-<backup>} and a log backup's longest
     * {@code backup-<backup>-log-truncate} (GetBackupJobName), and Kubernetes refuses Job names over 63 characters;
     * the schedule's children are {@code <schedule>-<20 characters of time>} and {@code log-<schedule>}.
     */
    private static void nameLength(ScheduleContext ctx, boolean log, Findings out) {
        String name = ctx.name();
        if (name == null) {
            return;
        }
        int snapshotMax = FieldRules.MAX_JOB_NAME - "backup-".length() - ScheduledBackups.NAME_TIME_LENGTH;
        int logMax = FieldRules.MAX_JOB_NAME - "backup-log-".length() - "-log-truncate".length();
        int max = log ? Math.min(snapshotMax, logMax) : snapshotMax;
        if (name.length() > max) {
            String job = name.length() > snapshotMax ? "backup-" + name + "-<time>" : "backup-log-" + name + "-log-truncate";
            out.deny(NAME_TOO_LONG, "metadata.name", "the Jobs of this schedule's Backups would be named " + job
                    + ", over Kubernetes' 63 characters", name.length() + " characters",
                    "use a name of at most " + max + " characters");
        }
    }
}
