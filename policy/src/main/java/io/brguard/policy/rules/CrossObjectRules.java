package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.Operation;
import io.brguard.policy.Specs;
import io.brguard.policy.model.Backup;
import io.brguard.policy.state.LogCommand;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Rules between Backups, judged on CREATE (the fields involved are immutable afterwards): BR allows one log task
 * per cluster, and two Backups under one prefix make BR refuse ("backup meta file exists") or mix their data.
 */
public final class CrossObjectRules implements RuleFamily {
    private static final Set<String> INACTIVE = Set.of("Stopped", "Failed", "Invalid");

    @Override
    public void check(Context ctx, Findings out) {
        if (ctx.operation() != Operation.CREATE) {
            return;
        }
        Backup self = ctx.newBackup();
        Optional<Specs.ClusterRef> cluster = Specs.cluster(self);
        if (cluster.isPresent()) {
            Specs.ClusterRef c = cluster.get();
            if (ctx.lookups().tidbCluster(c.namespace(), c.name()) instanceof Lookup.Missing<Boolean>) {
                out.deny("cross.cluster-missing", "spec.br.cluster", "no TiDB cluster of this name in namespace "
                        + c.namespace(), c.name(), "fix br.cluster / br.clusterNamespace");
            }
        }
        boolean wantsLog = ctx.isLog() && LogCommand.of(ctx.spec()) != LogCommand.STOP;
        Optional<Specs.AzureLocation> location = Specs.location(self);
        if (!wantsLog && location.isEmpty()) {
            return;
        }
        Lookup<List<Backup>> all = ctx.lookups().backups();
        if (all instanceof Lookup.Unknown<List<Backup>> u) {
            if (wantsLog) {
                out.unchecked("cross.one-log-per-cluster", "spec.br.cluster", u.reason());
            }
            if (location.isPresent()) {
                out.unchecked("cross.prefix-overlap", "spec.azblob.prefix", u.reason());
            }
            return;
        }
        List<Backup> others = all instanceof Lookup.Found<List<Backup>> f ? f.value() : List.of();
        for (Backup other : others) {
            if (Specs.sameObject(self, other) || other.getSpec() == null) {
                continue;
            }
            if (wantsLog && cluster.isPresent() && Specs.isLog(other.getSpec())
                    && !INACTIVE.contains(Specs.phase(other)) && cluster.equals(Specs.cluster(other))) {
                String phase = Specs.phase(other).isEmpty() ? "not started" : Specs.phase(other);
                out.deny("cross.one-log-per-cluster", "spec.br.cluster", "cluster " + cluster.get()
                                + " already has an active log backup " + Specs.nsName(other), phase,
                        "BR allows one log task per cluster: reuse it, or stop it first");
            }
            Optional<Specs.AzureLocation> theirs = Specs.location(other);
            if (location.isPresent() && theirs.isPresent() && location.get().overlaps(theirs.get())) {
                String how = location.get().prefix().equals(theirs.get().prefix()) ? "the same prefix as"
                        : location.get().prefix().size() < theirs.get().prefix().size() ? "a prefix containing" : "a prefix inside";
                boolean accountKnown = location.get().account() != null && theirs.get().account() != null;
                out.deny("cross.prefix-overlap", "spec.azblob.prefix", "writes to " + how + " " + Specs.nsName(other),
                        location.get() + " vs " + theirs.get(), accountKnown
                                ? "give every Backup its own prefix, not nested in another"
                                : "give every Backup its own prefix; if the accounts differ, set spec.azblob.storageAccount on both");
            }
        }
    }
}
