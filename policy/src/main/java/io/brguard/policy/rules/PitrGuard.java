package io.brguard.policy.rules;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.Specs;
import io.brguard.policy.field.Tso;

import java.util.Optional;

/**
 * Point-in-time recovery needs a snapshot at or after the oldest log kept. Truncating logs past the newest
 * Complete snapshot of the cluster leaves no base to restore from, so it is denied (switchable by config).
 */
public final class PitrGuard implements RuleFamily<Context> {
    private static final String PATH = "spec.logTruncateUntil";

    @Override
    public void check(Context ctx, Findings out) {
        String until = ctx.spec().getLogTruncateUntil();
        if (!ctx.config().pitrGuard() || !ctx.isLog() || until == null || !ctx.changed("/logTruncateUntil")) {
            return;
        }
        long tso = Tso.valueOrMinusOne(until);
        if (tso == -1) {
            return; // FieldRules reports the format
        }
        if (ctx.oldBackup() != null && ctx.oldBackup().getStatus() != null) {
            long last = Tso.valueOrMinusOne(ctx.oldBackup().getStatus().getLogSuccessTruncateUntil());
            if (last != -1 && Long.compareUnsigned(tso, last) <= 0) {
                out.warn("warn.truncate-not-after-last", PATH, "not after the last truncate; TiDB Operator marks it done without a Job");
            }
        }
        Optional<Specs.ClusterRef> cluster = Specs.cluster(ctx.newBackup());
        Lookup<BackupIndex> all = ctx.lookups().backups();
        if (all instanceof Lookup.Unknown<BackupIndex> u) {
            out.unchecked("pitr.truncate-past-snapshot", PATH, u.reason());
            return;
        }
        Optional<BackupIndex.Peer> found = cluster.isEmpty() || !(all instanceof Lookup.Found<BackupIndex> f)
                ? Optional.empty() : f.value().newestCompleteSnapshot(cluster.get());
        if (found.isEmpty()) {
            out.warn("warn.no-snapshot-for-pitr", PATH, "no Complete snapshot of this cluster known to compare with");
            return;
        }
        BackupIndex.Peer newest = found.get();
        long newestTs = newest.commitTs();
        if (Long.compareUnsigned(tso, newestTs) > 0) {
            out.deny("pitr.truncate-past-snapshot", PATH,
                    "passes the newest Complete snapshot " + newest.key() + ", leaving no base for PITR", until,
                    "truncate at most until " + Long.toUnsignedString(newestTs) + " (" + Tso.describe(newestTs)
                            + "), or take a new snapshot first");
        }
    }
}
