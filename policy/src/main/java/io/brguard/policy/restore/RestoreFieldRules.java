package io.brguard.policy.restore;

import io.brguard.policy.Findings;
import io.brguard.policy.Specs;
import io.brguard.policy.field.Tso;
import io.brguard.policy.model.BRConfig;
import io.brguard.policy.model.RestoreSpec;
import io.brguard.policy.rules.FieldRules;
import io.brguard.policy.rules.RuleFamily;

import java.util.OptionalLong;

/**
 * The checks of TiDB Operator v2's ValidateRestore that are not the schema's (pkg/controllers/br/manager/util/util.go:
 * the PITR start, the db/table type, both before any Job), and what the Restore's Job would hand BR that BR refuses:
 * PITR fields in a snapshot restore, timestamps BR cannot read, --db/--table for {@code br restore point}, a cluster
 * namespace v2 does not look in, a Job name Kubernetes refuses.
 */
public final class RestoreFieldRules implements RuleFamily<RestoreContext> {
    public static final String PITR_SOURCE = "restore.pitr-source";
    public static final String PITR_ONLY = "restore.pitr-only";
    public static final String TIMESTAMP = "restore.timestamp";
    public static final String PITR_DB_TABLE = "restore.pitr-db-table";
    public static final String CLUSTER_NAMESPACE = "restore.cluster-namespace";
    public static final String NAME_TOO_LONG = "restore.name-too-long";

    @Override
    public void check(RestoreContext ctx, Findings out) {
        RestoreSpec spec = ctx.spec();
        if (ctx.isPitr()) {
            pitrSource(ctx, out);
            pitrDbTable(spec, out);
            timestamp("spec.pitrRestoredTs", spec.getPitrRestoredTs(), out);
            timestamp("spec.logRestoreStartTs", spec.getLogRestoreStartTs(), out);
        } else {
            pitrOnly(ctx, out);
        }
        clusterNamespace(ctx, out);
        if (ctx.isCreate()) {
            nameLength(ctx, out);
        }
    }

    /**
     * ValidateRestore, in pitr mode: a full backup storage (GetStoragePath answers for any provider set) and
     * logRestoreStartTs "can not co-exists", and one of them "needs to be passed"; otherwise the Restore is Invalid.
     * BR agrees (ParseStreamRestoreFlags: --start-ts and --full-backup-storage are mutually exclusive).
     */
    private static void pitrSource(RestoreContext ctx, Findings out) {
        boolean full = ctx.restoresFullBackup();
        boolean start = !Specs.isBlank(ctx.spec().getLogRestoreStartTs());
        if (full && start) {
            out.deny(PITR_SOURCE, "spec.logRestoreStartTs", "TiDB Operator marks the Restore Invalid: "
                            + "pitrFullBackupStorageProvider and logRestoreStartTs can not co-exist", ctx.spec().getLogRestoreStartTs(),
                    "keep pitrFullBackupStorageProvider to restore a snapshot first, or logRestoreStartTs alone to replay "
                            + "only the log");
        } else if (!full && !start) {
            out.deny(PITR_SOURCE, "spec.pitrFullBackupStorageProvider", "TiDB Operator marks the Restore Invalid: "
                    + "either pitrFullBackupStorageProvider or logRestoreStartTs needs to be passed in pitr mode", null,
                    "set pitrFullBackupStorageProvider.azblob to the prefix of a Complete snapshot Backup");
        }
    }

    /**
     * In pitr mode backup-manager runs {@code br restore point} (restoreData, cmd/tidb-backup-manager/app/restore/
     * restore.go) but still appends --db/--table for backupType db and table (ConstructBRGlobalOptionsForRestore,
     * unless tableFilter is set); {@code restore point} defines only filter flags (newStreamRestoreCommand,
     * pingcap/tidb br/cmd/br/restore.go), so BR stops at the unknown flag. Without br.db ValidateRestore already
     * refuses (field.backup-type-needs-db).
     */
    private static void pitrDbTable(RestoreSpec spec, Findings out) {
        String type = spec.getBackupType();
        BRConfig br = spec.getBr();
        boolean filtered = spec.getTableFilter() != null && !spec.getTableFilter().isEmpty();
        if (("db".equals(type) || "table".equals(type)) && !filtered && br != null && !Specs.isBlank(br.getDb())) {
            String db = br.getDb();
            String rule = "table".equals(type) && !Specs.isBlank(br.getTable()) ? db + "." + br.getTable() : db + ".*";
            out.deny(PITR_DB_TABLE, "spec.backupType", "in pitr mode BR runs br restore point, which has no --db or "
                    + "--table flag, so the Job fails at once", type, "use tableFilter: [\"" + rule + "\"] and remove backupType");
        }
    }

    /**
     * In snapshot mode (the default) TiDB Operator passes none of the PITR fields: the Job runs a snapshot restore
     * of spec.azblob (makeRestoreJob passes --pitrRestoredTs only in pitr mode), so the point in time asked for is
     * silently not the one restored.
     */
    private static void pitrOnly(RestoreContext ctx, Findings out) {
        RestoreSpec spec = ctx.spec();
        String fix = "set restoreMode: pitr, or remove it";
        if (!Specs.isBlank(spec.getPitrRestoredTs())) {
            out.deny(PITR_ONLY, "spec.pitrRestoredTs", "only read in restoreMode: pitr; this restores the snapshot at "
                    + "spec.azblob instead", spec.getPitrRestoredTs(), fix);
        }
        if (!Specs.isBlank(spec.getLogRestoreStartTs())) {
            out.deny(PITR_ONLY, "spec.logRestoreStartTs", "only read in restoreMode: pitr", spec.getLogRestoreStartTs(), fix);
        }
        if (ctx.restoresFullBackup()) {
            out.deny(PITR_ONLY, "spec.pitrFullBackupStorageProvider", "only read in restoreMode: pitr; this restores "
                    + "spec.azblob as a snapshot instead", null, fix);
        }
    }

    /**
     * BR reads --restored-ts and --start-ts with ParseTSString(ts, true) (ParseStreamRestoreFlags, pingcap/tidb
     * br/pkg/task/restore.go; ParseTSString in br/pkg/task/backup.go): a TSO, or a datetime that names its zone
     * ("must set timezone when using datetime format ts" otherwise). TiDB Operator passes the string unchanged.
     */
    static OptionalLong timestamp(String path, String value, Findings out) {
        if (Specs.isBlank(value)) {
            return OptionalLong.empty();
        }
        Tso.Parsed p = Tso.parseSnapshot(value);
        if (p instanceof Tso.Value v) {
            return OptionalLong.of(v.tso());
        }
        if (p instanceof Tso.LocalTime) {
            out.deny(TIMESTAMP, path, "datetime without a time zone: BR refuses it and the Job fails", value,
                    "add an offset, e.g. " + value.trim().replace(' ', 'T') + "+08:00, or use a TSO");
        } else if (p instanceof Tso.Implausible i) {
            out.deny(TIMESTAMP, path, "not a TSO, " + i.hint(), value, "use a TSO (physical ms << 18) or a time with an offset");
        } else {
            out.deny(TIMESTAMP, path, "not a TSO or a datetime BR reads", value,
                    "use e.g. 2022-10-10T17:21:00+08:00 or 436979621972148225");
        }
        return OptionalLong.empty();
    }

    /** A timestamp as the rules read it, without reporting: empty when absent or unreadable. */
    static OptionalLong timestamp(String value) {
        return Specs.isBlank(value) || !(Tso.parseSnapshot(value) instanceof Tso.Value v)
                ? OptionalLong.empty() : OptionalLong.of(v.tso());
    }

    /**
     * TiDB Operator v2 looks the cluster up in the Restore's own namespace (TaskContextCluster, apicall.GetCluster:
     * obj.GetNamespace()), and builds the Job's --pd-addr from the first PDGroup of the Restore's namespace
     * (makeRestoreJob: FirstPDGroup(ctx, cli, ns, ...)); only the validation reads br.clusterNamespace. A Restore
     * that names another namespace waits forever, or restores into the same-named cluster of its own namespace.
     */
    private static void clusterNamespace(RestoreContext ctx, Findings out) {
        BRConfig br = ctx.spec().getBr();
        if (br != null && !Specs.isBlank(br.getClusterNamespace()) && !br.getClusterNamespace().equals(ctx.namespace())) {
            out.deny(CLUSTER_NAMESPACE, "spec.br.clusterNamespace", "TiDB Operator v2 finds the cluster and its PD in the "
                    + "Restore's own namespace " + ctx.namespace() + ", not here", br.getClusterNamespace(),
                    "create the Restore in namespace " + br.getClusterNamespace() + " and remove clusterNamespace");
        }
    }

    /**
     * TiDB Operator names the Job {@code restore-<name>} (GetRestoreJobName, api/br/v1alpha1/restore.go) without
     * shortening; Kubernetes copies a Job's name into a pod-template label of at most 63 characters, so a longer
     * one is refused and the Restore retries forever (RetryFailed, CreateRestoreJobFailed).
     */
    private static void nameLength(RestoreContext ctx, Findings out) {
        String name = ctx.name();
        int max = FieldRules.MAX_JOB_NAME - "restore-".length();
        if (name != null && name.length() > max) {
            out.deny(NAME_TOO_LONG, "metadata.name", "TiDB Operator would name its Job restore-<name>, "
                            + ("restore-" + name).length() + " characters, and Kubernetes refuses Job names over "
                            + FieldRules.MAX_JOB_NAME, name.length() + " characters",
                    "use a name of at most " + max + " characters");
        }
    }
}
