package io.brguard.policy.vap;

import io.brguard.policy.schedule.ScheduleFieldRules;
import io.brguard.policy.schedule.SchedulePolicy;
import io.brguard.policy.schedule.ScheduleTransitionRules;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.brguard.policy.vap.Cel.and;
import static io.brguard.policy.vap.Cel.not;
import static io.brguard.policy.vap.Cel.q;
import static io.brguard.policy.vap.Cel.str;

/**
 * The policy for BackupSchedules: each template judged as a new Backup (SpecChecks, as ScheduleTemplateRules does),
 * and ScheduleFieldRules and ScheduleTransitionRules as far as they read the schedule alone. brguard ratchets every
 * finding on a schedule's untouched field but the log template's (SchedulePolicy.perField), and so does this policy.
 */
final class ScheduleChecks {
    private static final Scope SNAPSHOT = Scope.template("backupTemplate");
    private static final Scope LOG = Scope.template("logBackupTemplate");

    private ScheduleChecks() {
    }

    static Map<String, String> variables() {
        Map<String, String> v = Scope.common();
        for (String t : SchedulePolicy.TEMPLATES) {
            v.putAll(Scope.template(t).variables());
        }
        return v;
    }

    static List<Check> checks() {
        List<Check> out = new ArrayList<>();
        for (String t : SchedulePolicy.TEMPLATES) {
            Scope s = Scope.template(t);
            out.addAll(SpecChecks.fields(s));
            out.add(SpecChecks.unsupported(s));
            out.addAll(SpecChecks.newCells(s));
        }
        out.addAll(durations());
        out.addAll(templateMode());
        out.addAll(templateField());
        out.add(clusterMismatch());
        out.add(nameTooLong());
        out.add(logTemplateInUse());
        return out;
    }

    private static List<Check> durations() {
        List<Check> out = new ArrayList<>();
        for (String f : ScheduleFieldRules.DURATIONS) {
            String v = str("variables.spec", f);
            String changed = Cel.or("variables.create", str("variables.oldSpec", f) + " != " + v);
            // Go's error text and a zero or negative maxReservedTime are the webhook's to give.
            out.add(Denial.of(ScheduleFieldRules.DURATION, "spec." + f, and(v + " != ''", changed,
                            "size(" + v + ") <= " + SpecChecks.TRAVERSED, not(v + ".matches(" + q(SpecChecks.GO_DURATION) + ")")),
                    "not a Go duration" + ScheduleFieldRules.DURATION_END.substring(1), v, ScheduleFieldRules.DURATION_FIX,
                    Check.Fidelity.SAME_FIX));
        }
        return out;
    }

    private static List<Check> templateMode() {
        return List.of(
                Denial.exact(ScheduleFieldRules.TEMPLATE_MODE, SNAPSHOT.field("backupMode"), SNAPSHOT.when(SNAPSHOT.log(),
                                SNAPSHOT.enforced("backupMode", Scope.Kind.MODE)), ScheduleFieldRules.SNAPSHOT_IS_LOG, "'log'",
                        ScheduleFieldRules.SNAPSHOT_IS_LOG_FIX),
                Denial.exact(ScheduleFieldRules.TEMPLATE_MODE, LOG.field("backupMode"), LOG.when(not(LOG.log()),
                                LOG.enforced("backupMode", Scope.Kind.MODE)), ScheduleFieldRules.LOG_NOT_LOG,
                        BackupChecks.mode(LOG.spec()), ScheduleFieldRules.LOG_NOT_LOG_FIX));
    }

    private static List<Check> templateField() {
        String commitTs = SNAPSHOT.str("commitTs");
        String until = LOG.str("logTruncateUntil");
        return List.of(
                Denial.exact(ScheduleFieldRules.TEMPLATE_FIELD, SNAPSHOT.field("commitTs"), SNAPSHOT.when(commitTs + " != ''",
                        SNAPSHOT.enforced("commitTs", Scope.Kind.STRING)), ScheduleFieldRules.FIXED_COMMIT_TS, commitTs,
                        ScheduleFieldRules.FIXED_COMMIT_TS_FIX),
                Denial.exact(ScheduleFieldRules.TEMPLATE_FIELD, LOG.field("logTruncateUntil"), LOG.when(LOG.log(), until + " != ''",
                        LOG.enforced("logTruncateUntil", Scope.Kind.STRING)), ScheduleFieldRules.FIXED_TRUNCATE, until,
                        ScheduleFieldRules.FIXED_TRUNCATE_FIX));
    }

    /** A template's TiDB cluster as ScheduleFieldRules reads it: namespace/name, the schedule's namespace by default. */
    private static String cluster(Scope s) {
        return "(" + s.str("br.clusterNamespace") + " != '' ? " + s.str("br.clusterNamespace") + " : variables.namespace) + '/' + "
                + s.str("br.cluster");
    }

    private static Check clusterMismatch() {
        String a = cluster(SNAPSHOT);
        String b = cluster(LOG);
        String shortEnough = and(BackupChecks.short_(SNAPSHOT.spec(), "br.cluster"), BackupChecks.short_(SNAPSHOT.spec(),
                "br.clusterNamespace"), BackupChecks.short_(LOG.spec(), "br.cluster"), BackupChecks.short_(LOG.spec(), "br.clusterNamespace"));
        return Denial.exact(ScheduleFieldRules.CLUSTER_MISMATCH, LOG.field("br.cluster"), and(SNAPSHOT.present(), LOG.present(),
                        SNAPSHOT.str("br.cluster") + " != ''", LOG.str("br.cluster") + " != ''", shortEnough, a + " != " + b,
                        LOG.enforced("br.cluster", Scope.Kind.STRING)),
                ScheduleFieldRules.CLUSTERS_DIFFER, b + " + ' vs ' + " + a, ScheduleFieldRules.CLUSTERS_DIFFER_FIX);
    }

    private static Check nameTooLong() {
        String name = "object.metadata.?name.orValue('')";
        String max = "(" + LOG.present() + " ? " + Math.min(ScheduleFieldRules.SNAPSHOT_NAME_MAX, ScheduleFieldRules.LOG_NAME_MAX)
                + " : " + ScheduleFieldRules.SNAPSHOT_NAME_MAX + ")";
        String job = "(size(" + name + ") > " + ScheduleFieldRules.SNAPSHOT_NAME_MAX + " ? 'backup-' + " + name
                + " + '-<time>' : 'backup-log-' + " + name + " + '-log-truncate')";
        return Denial.built(ScheduleFieldRules.NAME_TOO_LONG, "metadata.name", and("variables.create", "size(" + name + ") > " + max),
                ScheduleFieldRules.NAME_TOO_LONG + " metadata.name: the Jobs of this schedule's Backups would be over "
                        + "Kubernetes' 63 characters; use a shorter name",
                Denial.line(q(ScheduleFieldRules.NAME_TOO_LONG + " metadata.name: " + ScheduleFieldRules.JOBS_NAMED) + " + " + job
                                + " + " + q(ScheduleFieldRules.JOBS_NAMED_END), "string(size(" + name + ")) + ' characters'",
                        "'use a name of at most ' + string(" + max + ") + ' characters'"), Check.Fidelity.EXACT);
    }

    /*
     * The log template changes (in a field the policy compares) while the log backup made from it exists. Not
     * ratcheted: brguard refuses the edit whatever else the schedule holds.
     */
    private static Check logTemplateInUse() {
        String logBackup = "oldObject.?status.?logBackup.orValue('')";
        String changed = "size(" + BackupChecks.changedPaths(LOG.old(), LOG.spec(), LOG.oldCmd(), LOG.cmd()) + ") > 0";
        String id = ScheduleTransitionRules.IN_USE;
        return Denial.built(id, LOG.path(), and("!variables.create", logBackup + " != ''", Cel.has("variables.oldSpec",
                        "logBackupTemplate"), LOG.present(), changed),
                id + " " + LOG.path() + ": the schedule never edits its log backup: this would do nothing; log-stop and "
                        + "delete it, then edit the template",
                Denial.line(q(id + " " + LOG.path() + ": " + ScheduleTransitionRules.IN_USE_PROBLEM) + " + " + logBackup + " + "
                                + q(ScheduleTransitionRules.IN_USE_PROBLEM_END), null,
                        q(ScheduleTransitionRules.IN_USE_FIX) + " + " + logBackup + " + " + q(ScheduleTransitionRules.IN_USE_FIX_END)),
                Check.Fidelity.EXACT);
    }
}
