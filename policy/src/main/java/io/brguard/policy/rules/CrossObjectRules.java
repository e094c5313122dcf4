package io.brguard.policy.rules;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.Operation;
import io.brguard.policy.Specs;
import io.brguard.policy.state.LogCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Rules between Backups, judged on CREATE (the fields involved are immutable afterwards): BR allows one log task
 * per cluster, and two Backups under one prefix make BR refuse ("backup meta file exists") or mix their data.
 * Each rule is one lookup in the {@link BackupIndex} and one finding, however many other Backups it names: the
 * first {@link #NAMED} are named and the rest counted, so a message stays one readable line.
 */
public final class CrossObjectRules implements RuleFamily<Context> {
    /** How many other Backups one finding names. */
    public static final int NAMED = 3;

    @Override
    public void check(Context ctx, Findings out) {
        if (ctx.operation() != Operation.CREATE) {
            return;
        }
        Optional<Specs.ClusterRef> cluster = Specs.cluster(ctx.newBackup());
        cluster.ifPresent(c -> clusterExists(ctx.lookups(), c, "spec.br.cluster", out));
        boolean wantsLog = ctx.isLog() && LogCommand.of(ctx.spec()) != LogCommand.STOP && cluster.isPresent();
        Optional<Specs.AzureLocation> location = Specs.location(ctx.newBackup());
        if (!wantsLog && location.isEmpty()) {
            return;
        }
        Lookup<BackupIndex> all = ctx.lookups().backups();
        if (all instanceof Lookup.Unknown<BackupIndex> u) {
            if (wantsLog) {
                out.unchecked("cross.one-log-per-cluster", "spec.br.cluster", u.reason());
            }
            if (location.isPresent()) {
                out.unchecked("cross.prefix-overlap", "spec.azblob.prefix", u.reason());
            }
            return;
        }
        if (!(all instanceof Lookup.Found<BackupIndex> found)) {
            return;
        }
        BackupIndex index = found.value();
        String self = Specs.nsName(ctx.newBackup());
        // Checked together with other new Backups (brguard check), this one sees only those placed before it.
        int before = index.get(Specs.namespace(ctx.newBackup()), Specs.name(ctx.newBackup()))
                .filter(p -> p.order() >= 0).map(BackupIndex.Peer::order).orElse(BackupIndex.ALL);
        if (wantsLog) {
            BackupIndex.Matches logs = index.activeLogBackups(cluster.get(), self, before, NAMED);
            if (logs.total() == 1) {
                BackupIndex.Peer other = logs.first().get(0);
                out.deny("cross.one-log-per-cluster", "spec.br.cluster", "cluster " + cluster.get()
                        + " already has an active log backup " + other.key(), other.phaseText(), LOG_FIX);
            } else if (logs.total() > 1) {
                out.deny("cross.one-log-per-cluster", "spec.br.cluster", "cluster " + cluster.get() + " already has "
                        + logs.total() + " active log backups: " + names(logs, p -> p.key() + " (" + p.phaseText() + ")"),
                        null, LOG_FIX);
            }
        }
        if (location.isPresent()) {
            Specs.AzureLocation mine = location.get();
            BackupIndex.Matches near = index.overlapping(mine, self, before, NAMED);
            if (near.total() == 0) {
                return;
            }
            boolean accountsKnown = mine.account() != null
                    && near.first().stream().allMatch(p -> p.location().account() != null);
            String fix = accountsKnown ? "give every Backup its own prefix, not nested in another"
                    : "give every Backup its own prefix; if the accounts differ, set spec.azblob.storageAccount on both";
            if (near.total() == 1) {
                BackupIndex.Peer other = near.first().get(0);
                out.deny("cross.prefix-overlap", "spec.azblob.prefix", "writes to " + relation(mine, other.location())
                        + " " + other.key(), mine + " vs " + other.location(), fix);
            } else {
                out.deny("cross.prefix-overlap", "spec.azblob.prefix", "writes where " + near.total()
                        + " other Backups write: " + names(near, p -> p.key() + " (" + where(mine, p.location()) + ")"),
                        null, fix);
            }
        }
    }

    /** cross.cluster-missing: the TiDB cluster a Backup (or a schedule's template) names exists, where it is known. */
    public static void clusterExists(io.brguard.policy.Lookups lookups, Specs.ClusterRef c, String path, Findings out) {
        Lookup<Boolean> found = lookups.tidbCluster(c.namespace(), c.name());
        if (found instanceof Lookup.Missing<Boolean>) {
            out.deny("cross.cluster-missing", path, "no TiDB cluster of this name in namespace " + c.namespace(), c.name(),
                    "fix br.cluster, or create the Backup in the cluster's namespace");
        } else if (found instanceof Lookup.Unknown<Boolean> u) {
            out.unchecked("cross.cluster-missing", path, u.reason());
        }
    }

    private static final String LOG_FIX = "BR allows one log task per cluster: reuse it, or stop it first";

    private static String relation(Specs.AzureLocation mine, Specs.AzureLocation theirs) {
        return mine.prefix().equals(theirs.prefix()) ? "the same prefix as"
                : mine.prefix().size() < theirs.prefix().size() ? "a prefix containing" : "a prefix inside";
    }

    /** Where another Backup writes, seen from this one. */
    private static String where(Specs.AzureLocation mine, Specs.AzureLocation theirs) {
        return mine.prefix().equals(theirs.prefix()) ? "same prefix"
                : mine.prefix().size() < theirs.prefix().size() ? "inside it" : "contains it";
    }

    /** {@code a, b, c and 4 more}: the named peers, then how many more were found. */
    static String names(BackupIndex.Matches m, Function<BackupIndex.Peer, String> label) {
        List<String> parts = new ArrayList<>();
        m.first().forEach(p -> parts.add(label.apply(p)));
        String named = String.join(", ", parts);
        int more = m.total() - m.first().size();
        return more > 0 ? named + " and " + more + " more" : named;
    }
}
