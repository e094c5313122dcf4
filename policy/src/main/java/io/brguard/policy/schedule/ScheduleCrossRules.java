package io.brguard.policy.schedule;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.Specs;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSpec;
import io.brguard.policy.rules.CrossObjectRules;
import io.brguard.policy.rules.RuleFamily;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * The rules between Backups, for the Backups a schedule will create: its log template starts a log backup, and BR
 * allows one log task per cluster; its templates' prefixes hold every child, so no other Backup may share or nest
 * with them (a Backup at a parent prefix with cleanPolicy Delete would delete the children's data). The schedule's
 * own children (its log backup and its runs, known by name) are not others. Judged on CREATE and when the
 * template fields involved change, with the same rule ids as for Backups.
 */
public final class ScheduleCrossRules implements RuleFamily<ScheduleContext> {

    @Override
    public void check(ScheduleContext ctx, Findings out) {
        BackupSpec snapshot = ctx.spec().getBackupTemplate();
        BackupSpec log = ctx.spec().getLogBackupTemplate();
        Optional<Specs.ClusterRef> cluster = ScheduleFieldRules.cluster(ctx, snapshot);
        if (cluster.isPresent() && ctx.changed("/backupTemplate/br")) {
            CrossObjectRules.clusterExists(ctx.lookups(), cluster.get(), "spec.backupTemplate.br.cluster", out);
        }
        boolean wantsLog = log != null && Specs.isLog(log) && ScheduleFieldRules.cluster(ctx, log).isPresent()
                && (ctx.changed("/logBackupTemplate/br") || ctx.changed("/logBackupTemplate/backupMode"));
        boolean[] placed = {changedLocation(ctx, "backupTemplate", snapshot), changedLocation(ctx, "logBackupTemplate", log)};
        if (!wantsLog && !placed[0] && !placed[1]) {
            return;
        }
        Lookup<BackupIndex> all = ctx.lookups().backups();
        if (all instanceof Lookup.Unknown<BackupIndex> u) {
            if (wantsLog) {
                out.unchecked("cross.one-log-per-cluster", "spec.logBackupTemplate.br.cluster", u.reason());
            }
            if (placed[0]) {
                out.unchecked("cross.prefix-overlap", "spec.backupTemplate.azblob.prefix", u.reason());
            }
            if (placed[1]) {
                out.unchecked("cross.prefix-overlap", "spec.logBackupTemplate.azblob.prefix", u.reason());
            }
            return;
        }
        if (!(all instanceof Lookup.Found<BackupIndex> found)) {
            return;
        }
        BackupIndex index = found.value();
        String ns = ctx.namespace();
        if (wantsLog) {
            Specs.ClusterRef c = ScheduleFieldRules.cluster(ctx, log).get();
            BackupIndex.Matches logs = index.activeLogBackups(c, ns + "/" + ScheduledBackups.logName(ctx.name()),
                    CrossObjectRules.NAMED);
            if (logs.total() > 0) {
                BackupIndex.Peer other = logs.first().get(0);
                out.deny("cross.one-log-per-cluster", "spec.logBackupTemplate.br.cluster", "cluster " + c
                                + " already has " + (logs.total() == 1 ? "an active log backup " + other.key()
                                : logs.total() + " active log backups, the first " + other.key()),
                        other.phaseText(), "BR allows one log task per cluster: stop it first, or drop logBackupTemplate");
            }
        }
        Predicate<BackupIndex.Peer> mine = p -> p.namespace().equals(ns) && ScheduledBackups.isChildName(ctx.name(), p.name());
        overlap(index, "backupTemplate", snapshot, placed[0], mine, ctx, out);
        overlap(index, "logBackupTemplate", log, placed[1], mine, ctx, out);
    }

    private static boolean changedLocation(ScheduleContext ctx, String template, BackupSpec spec) {
        return spec != null && spec.getAzblob() != null && ctx.changed("/" + template + "/azblob");
    }

    private static void overlap(BackupIndex index, String template, BackupSpec spec, boolean placed,
                                Predicate<BackupIndex.Peer> mine, ScheduleContext ctx, Findings out) {
        if (!placed) {
            return;
        }
        Backup probe = new Backup();
        probe.getMetadata().setNamespace(ctx.namespace());
        probe.setSpec(spec);
        Optional<Specs.AzureLocation> location = Specs.location(probe);
        if (location.isEmpty()) {
            return;
        }
        BackupIndex.Matches near = index.overlapping(location.get(), mine, BackupIndex.ALL, CrossObjectRules.NAMED);
        if (near.total() > 0) {
            BackupIndex.Peer other = near.first().get(0);
            out.deny("cross.prefix-overlap", "spec." + template + ".azblob.prefix", "the schedule's Backups would share "
                            + "or nest with " + (near.total() == 1 ? other.key() : near.total() + " others, the first " + other.key()),
                    other.location().toString(), "give the template a prefix no other Backup shares or nests in");
        }
    }
}
