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
import java.util.List;
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
            out.deny(TEMPLATE_MODE, "spec.backupTemplate.backupMode", SNAPSHOT_IS_LOG, "log", SNAPSHOT_IS_LOG_FIX);
        }
        if (snapshot != null && !Specs.isBlank(snapshot.getCommitTs())) {
            out.deny(TEMPLATE_FIELD, "spec.backupTemplate.commitTs", FIXED_COMMIT_TS, snapshot.getCommitTs(), FIXED_COMMIT_TS_FIX);
        }
        if (log != null) {
            if (!Specs.isLog(log)) {
                out.deny(TEMPLATE_MODE, "spec.logBackupTemplate.backupMode", LOG_NOT_LOG, log.getBackupMode(), LOG_NOT_LOG_FIX);
            } else if (!Specs.isBlank(log.getLogTruncateUntil())) {
                out.deny(TEMPLATE_FIELD, "spec.logBackupTemplate.logTruncateUntil", FIXED_TRUNCATE, log.getLogTruncateUntil(),
                        FIXED_TRUNCATE_FIX);
            }
            clusterMismatch(ctx, snapshot, log, out);
        }
        if (ctx.isCreate()) {
            nameLength(ctx, log != null, out);
        }
    }

    public static final String SNAPSHOT_IS_LOG = "backupTemplate makes the scheduled snapshots, but this one is a log "
            + "backup: BR allows one log task per cluster";
    public static final String SNAPSHOT_IS_LOG_FIX = "set backupMode: snapshot here and put the log backup in logBackupTemplate";
    public static final String FIXED_COMMIT_TS = "every scheduled snapshot would back up this same moment";
    public static final String FIXED_COMMIT_TS_FIX = "remove commitTs: each run backs up the time it starts";
    public static final String LOG_NOT_LOG = "not log (snapshot is the CRD's default when backupMode is left out): the "
            + "schedule would make one snapshot named log-<name>";
    public static final String LOG_NOT_LOG_FIX = "set backupMode: log";
    public static final String FIXED_TRUNCATE = "the schedule truncates its log backup itself, to the oldest snapshot it keeps";
    public static final String FIXED_TRUNCATE_FIX = "remove it; set maxReservedTime or maxBackups";

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

    /** The fields read as Go durations. */
    public static final List<String> DURATIONS = List.of("maxReservedTime", "compactSpan");
    public static final String DURATION_END = "): TiDB Operator logs it and deletes no Backup at all";
    public static final String DURATION_FIX = "use h, m or s, e.g. 72h for three days";

    private static void duration(String path, String value, boolean positive, Findings out) {
        if (value == null) {
            return;
        }
        GoDuration.Parsed p = GoDuration.parse(value);
        if (p instanceof GoDuration.Invalid bad) {
            out.deny(DURATION, path, "not a Go duration (" + bad.error() + DURATION_END, value, DURATION_FIX);
        } else if (positive && (((GoDuration.Value) p).duration().isNegative() || ((GoDuration.Value) p).duration().isZero())) {
            out.deny(DURATION, path, "not positive: every Backup of the schedule would be out of retention at once",
                    value, "keep Backups for a positive time, e.g. 72h");
        }
    }

    public static final String CLUSTERS_DIFFER = "the log backup and the snapshots back up different clusters, so no "
            + "restore can use them together";
    public static final String CLUSTERS_DIFFER_FIX = "use the same br.cluster (and br.clusterNamespace) in both templates";

    /** PITR restores a snapshot and replays the log of the same cluster: both templates must name one cluster. */
    private static void clusterMismatch(ScheduleContext ctx, BackupSpec snapshot, BackupSpec log, Findings out) {
        Optional<Specs.ClusterRef> a = cluster(ctx, snapshot);
        Optional<Specs.ClusterRef> b = cluster(ctx, log);
        if (a.isPresent() && b.isPresent() && !a.get().equals(b.get())) {
            out.deny(CLUSTER_MISMATCH, "spec.logBackupTemplate.br.cluster", CLUSTERS_DIFFER, b.get() + " vs " + a.get(), CLUSTERS_DIFFER_FIX);
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
    /** The longest schedule name whose snapshots' Jobs, and whose log backup's Jobs, fit in a Job name. */
    public static final int SNAPSHOT_NAME_MAX = FieldRules.MAX_JOB_NAME - "backup-".length() - ScheduledBackups.NAME_TIME_LENGTH;
    public static final int LOG_NAME_MAX = FieldRules.MAX_JOB_NAME - "backup-log-".length() - "-log-truncate".length();
    public static final String JOBS_NAMED = "the Jobs of this schedule's Backups would be named ";
    public static final String JOBS_NAMED_END = ", over Kubernetes' 63 characters";

    private static void nameLength(ScheduleContext ctx, boolean log, Findings out) {
        String name = ctx.name();
        if (name == null) {
            return;
        }
        int max = log ? Math.min(SNAPSHOT_NAME_MAX, LOG_NAME_MAX) : SNAPSHOT_NAME_MAX;
        if (name.length() > max) {
            String job = name.length() > SNAPSHOT_NAME_MAX ? "backup-" + name + "-<time>" : "backup-log-" + name + "-log-truncate";
            out.deny(NAME_TOO_LONG, "metadata.name", JOBS_NAMED + job + JOBS_NAMED_END, name.length() + " characters",
                    "use a name of at most " + max + " characters");
        }
    }
}
