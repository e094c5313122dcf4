package io.brguard.policy.restore;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.RestoreIndex;
import io.brguard.policy.Specs;
import io.brguard.policy.rules.CrossObjectRules;
import io.brguard.policy.rules.RuleFamily;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster a Restore writes into: that it exists, that no log backup task runs on it, and what makes a full
 * restore into it fail or collide. BR's restore first checks the cluster's log backup tasks (RunRestore in
 * pingcap/tidb br/pkg/task/restore.go calls checkConflictingLogBackup, br/pkg/task/stream.go): older BR
 * (checkTaskExists) refuses any restore while one exists; later BR (checkTaskCompat) refuses a restore of the whole
 * cluster, and a PITR ("isn't compatible with an enabled log backup task yet") until the newest, and lets a
 * filtered snapshot restore through. A full restore needs a cluster without user databases
 * (CheckTargetClusterFresh, br/pkg/restore/snap_client, for a whole-cluster restore and a PITR's snapshot; the BR
 * docs: "PITR only supports restoring data to an empty cluster", and no log backup task may run while it does).
 */
public final class RestoreTargetRules implements RuleFamily<RestoreContext> {
    public static final String LOG_RUNNING = "restore.log-backup-running";
    public static final String WARN_LOG_RUNNING = "warn.restore-log-backup-running";
    public static final String WARN_ONTO_SOURCE = "warn.restore-onto-source";
    public static final String WARN_BUSY = "warn.restore-cluster-busy";
    private static final String PATH = "spec.br.cluster";

    @Override
    public void check(RestoreContext ctx, Findings out) {
        Optional<Specs.ClusterRef> target = ctx.cluster();
        if (!ctx.runsFromThisSpec() || target.isEmpty()) {
            return;
        }
        Specs.ClusterRef cluster = target.get();
        // TiDB Operator's syncRestoreJob: a missing cluster is a RetryFailed condition, retried forever.
        if (ctx.changed("/br") && ctx.lookups().tidbCluster(cluster.namespace(), cluster.name()) instanceof Lookup.Missing<Boolean>) {
            out.deny("cross.cluster-missing", PATH, "no TiDB cluster of this name in namespace " + cluster.namespace(),
                    cluster.name(), "restore into an existing cluster: create it first, or fix br.cluster");
        }
        Lookup<BackupIndex> backups = ctx.lookups().backups();
        if (backups instanceof Lookup.Unknown<BackupIndex> u) {
            if (ctx.full()) {
                out.unchecked(LOG_RUNNING, PATH, u.reason());
            }
        } else if (backups instanceof Lookup.Found<BackupIndex> found) {
            logBackups(ctx, found.value(), cluster, out);
        }
        if (ctx.full() && ctx.lookups().restores() instanceof Lookup.Found<RestoreIndex> restores) {
            RestoreIndex.Targets others = restores.value().targeting(cluster, ctx.key(), 1);
            if (others.total() > 0) {
                RestoreIndex.Entry other = others.first().get(0);
                String name = ctx.label(other.namespace(), other.name());
                out.warn(WARN_BUSY, PATH, other.complete()
                        ? "already restored by " + name + "; BR needs an empty cluster"
                        : "Restore " + name + " (" + other.phaseText() + ") restores into it too");
            }
        }
    }

    private static void logBackups(RestoreContext ctx, BackupIndex index, Specs.ClusterRef cluster, Findings out) {
        BackupIndex.Matches logs = index.activeLogBackups(cluster, "", CrossObjectRules.NAMED);
        if (logs.total() > 0) {
            BackupIndex.Peer log = logs.first().get(0);
            String name = ctx.label(log.namespace(), log.name());
            if (ctx.full()) {
                out.deny(LOG_RUNNING, PATH, "the log backup " + name + " (" + log.phaseText() + ") backs up this "
                        + "cluster: BR refuses a whole-cluster restore beside its task", cluster.toString(),
                        "restore into another cluster, or log-stop " + name + " first");
            } else {
                out.warn(WARN_LOG_RUNNING, PATH, "older BR refuses a restore beside log backup " + name);
            }
            return;
        }
        if (!ctx.full()) {
            return;
        }
        // The cluster the restored Backups were taken from: it holds their data, so it is not empty.
        List<BackupIndex.Peer> sources = new ArrayList<>();
        Specs.location(ctx.spec().getAzblob()).ifPresent(l -> sources.addAll(index.at(l, 4).first()));
        if (ctx.isPitr()) {
            Specs.location(ctx.fullBackupAzblob()).ifPresent(l -> sources.addAll(index.at(l, 4).first()));
        }
        if (sources.stream().anyMatch(p -> cluster.equals(p.cluster()))) {
            out.warn(WARN_ONTO_SOURCE, PATH, "restores its own backup onto it: BR needs a cluster without user databases");
        }
    }
}
