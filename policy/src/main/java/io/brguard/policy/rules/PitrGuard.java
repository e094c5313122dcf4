package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.Specs;
import io.brguard.policy.field.Tso;
import io.brguard.policy.model.Backup;

import java.util.List;
import java.util.Optional;

/**
 * Point-in-time recovery needs a snapshot at or after the oldest log kept. Truncating logs past the newest
 * Complete snapshot of the cluster leaves no base to restore from, so it is denied (switchable by config).
 */
public final class PitrGuard implements RuleFamily {
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
        Lookup<List<Backup>> all = ctx.lookups().backups();
        if (all instanceof Lookup.Unknown<List<Backup>> u) {
            out.unchecked("pitr.truncate-past-snapshot", PATH, u.reason());
            return;
        }
        List<Backup> others = all instanceof Lookup.Found<List<Backup>> f ? f.value() : List.of();
        Backup newest = null;
        long newestTs = -1;
        for (Backup b : others) {
            if (b.getSpec() == null || Specs.isLog(b.getSpec()) || !"Complete".equals(Specs.phase(b))
                    || !cluster.equals(Specs.cluster(b))) {
                continue;
            }
            long ts = Tso.valueOrMinusOne(Specs.statusCommitTs(b));
            if (ts != -1 && (newest == null || Long.compareUnsigned(ts, newestTs) > 0)) {
                newest = b;
                newestTs = ts;
            }
        }
        if (newest == null) {
            out.warn("warn.no-snapshot-for-pitr", PATH, "no Complete snapshot of this cluster known to compare with");
            return;
        }
        if (Long.compareUnsigned(tso, newestTs) > 0) {
            out.deny("pitr.truncate-past-snapshot", PATH,
                    "passes the newest Complete snapshot " + Specs.nsName(newest) + ", leaving no base for PITR", until,
                    "truncate at most until " + Long.toUnsignedString(newestTs) + " (" + Tso.describe(newestTs)
                            + "), or take a new snapshot first");
        }
    }
}
