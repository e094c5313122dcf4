package io.brguard.policy.restore;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.Specs;
import io.brguard.policy.field.Tso;
import io.brguard.policy.rules.RuleFamily;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a Restore reads, against the Backups the cluster knows (one {@link BackupIndex#at} lookup per location): a
 * snapshot restore reads the snapshot at spec.azblob; a PITR reads the log backup at spec.azblob and the snapshot at
 * pitrFullBackupStorageProvider.azblob, of the same cluster, and can reach only the times that log covers now.
 * <p>
 * BR reads the log's range from storage (getLogInfoFromStorage, pingcap/tidb br/pkg/task/stream.go): from
 * max(the log's start, its truncate safepoint) to its global checkpoint; the Backup's status has the same three
 * (commitTs, logSuccessTruncateUntil, logCheckpointTs, refreshed every minute while Running by v2's
 * backup_tracker.go). RunStreamRestore then stops on a full backup older than that start ("it has gap between full
 * backup ts and log backup ts") and checkLogRange on a restored-ts outside [full backup, checkpoint]; both after
 * the Job has started, the first before anything is restored. A status brguard does not know (a check without
 * --live, a checkpoint not yet written) makes the window "not checked", never passed.
 */
public final class RestoreSourceRules implements RuleFamily<RestoreContext> {
    public static final String MISSING = "restore.source-missing";
    public static final String KIND = "restore.source-kind";
    public static final String NOT_COMPLETE = "restore.source-not-complete";
    public static final String CLUSTER_MISMATCH = "restore.pitr-cluster-mismatch";
    public static final String GAP = "restore.pitr-gap";
    public static final String WINDOW = "restore.pitr-window";

    static final String MAIN_PATH = "spec.azblob.prefix";
    static final String FULL_PATH = "spec.pitrFullBackupStorageProvider.azblob.prefix";
    private static final String LIVE = "pass --live (kubectl get backups -A -o yaml) to check with the cluster's";

    @Override
    public void check(RestoreContext ctx, Findings out) {
        if (!ctx.runsFromThisSpec()) {
            return;
        }
        Optional<Specs.AzureLocation> main = Specs.location(ctx.spec().getAzblob());
        Optional<Specs.AzureLocation> full = ctx.isPitr() ? Specs.location(ctx.fullBackupAzblob()) : Optional.empty();
        if (main.isEmpty() && full.isEmpty()) {
            return; // not Azure (warn.not-azblob), or no container (field.container)
        }
        Lookup<BackupIndex> all = ctx.lookups().backups();
        if (all instanceof Lookup.Unknown<BackupIndex> u) {
            main.ifPresent(l -> out.unchecked(MISSING, MAIN_PATH, u.reason()));
            full.ifPresent(l -> out.unchecked(MISSING, FULL_PATH, u.reason()));
            if (ctx.isPitr() && main.isPresent()) {
                out.unchecked(WINDOW, windowPath(ctx), u.reason());
            }
            return;
        }
        if (!(all instanceof Lookup.Found<BackupIndex> found)) {
            return;
        }
        BackupIndex index = found.value();
        if (!ctx.isPitr()) {
            main.ifPresent(l -> source(ctx, index, l, false, MAIN_PATH, out));
            return;
        }
        Source logSource = main.map(l -> source(ctx, index, l, true, MAIN_PATH, out)).orElse(Source.NONE);
        Source snapshotSource = full.map(l -> source(ctx, index, l, false, FULL_PATH, out)).orElse(Source.NONE);
        if (logSource.unknown() || snapshotSource.unknown()) {
            out.unchecked(WINDOW, windowPath(ctx), "the Backups it reads are not known; " + LIVE + " Backups");
            return;
        }
        BackupIndex.Peer log = logSource.peer();
        BackupIndex.Peer snapshot = snapshotSource.peer();
        if (log != null && snapshot != null && log.cluster() != null && snapshot.cluster() != null
                && !log.cluster().equals(snapshot.cluster())) {
            // RunStreamRestore: "the full snapshot(from cluster ID:..) and log(from cluster ID:..) come from different cluster."
            out.deny(CLUSTER_MISMATCH, FULL_PATH, "the full backup " + label(ctx, snapshot) + " is of cluster "
                            + snapshot.cluster() + ", the log backup " + label(ctx, log) + " of " + log.cluster()
                            + ": BR refuses to combine them", null,
                    "use a Complete snapshot of " + log.cluster() + " as the full backup");
            return;
        }
        if (log != null) {
            window(ctx, log, snapshot, out);
        }
    }

    /** The Backup a location resolved to; none when a finding says why, {@code unknown} when that finding is "not checked". */
    private record Source(BackupIndex.Peer peer, boolean unknown) {
        static final Source NONE = new Source(null, false);
        static final Source UNKNOWN = new Source(null, true);
    }

    /**
     * The Backup of the wanted kind at this location, or none when a finding says why there is none: a location no
     * Backup writes to (a fact only when every Backup of the cluster is known), a Backup of the other kind there,
     * or a snapshot that has not completed (its backupmeta, which BR reads first, is written last).
     */
    private static Source source(RestoreContext ctx, BackupIndex index, Specs.AzureLocation at, boolean log,
                                 String path, Findings out) {
        List<BackupIndex.Peer> here = index.at(at, 16).first();
        List<BackupIndex.Peer> wanted = here.stream().filter(p -> p.log() == log).toList();
        String want = log ? "log backup" : "snapshot backup";
        if (wanted.isEmpty() && !here.isEmpty()) {
            BackupIndex.Peer other = here.get(0);
            out.deny(KIND, path, at.url() + " holds the " + (other.log() ? "log backup " : "snapshot backup ")
                    + label(ctx, other) + ", and this reads a " + want + " there", null, kindFix(log, path));
            return Source.NONE;
        }
        if (wanted.isEmpty()) {
            if (!ctx.lookups().backupsComplete()) {
                out.unchecked(MISSING, path, "no " + want + " known writes to " + at.url() + "; " + LIVE + " Backups");
                return Source.UNKNOWN;
            }
            BackupIndex.Matches near = index.overlapping(at, p -> false, BackupIndex.ALL, 1);
            String nearest = near.total() == 0 ? "" : "; nearest: " + label(ctx, near.first().get(0)) + " at "
                    + near.first().get(0).location().url();
            out.deny(MISSING, path, "no " + want + " of this cluster writes to " + at.url() + nearest, null,
                    "use the prefix of a " + want + " (kubectl get backup -o wide)");
            return Source.NONE;
        }
        if (log) {
            return new Source(wanted.stream().filter(BackupIndex.Peer::activeLog).findFirst().orElse(wanted.get(0)), false);
        }
        Optional<BackupIndex.Peer> complete = wanted.stream().filter(p -> "Complete".equals(p.phase()))
                .max(Comparator.comparingLong(BackupIndex.Peer::commitTs));
        if (complete.isPresent()) {
            return new Source(complete.get(), false);
        }
        BackupIndex.Peer p = wanted.get(0);
        if (!ctx.lookups().backupsComplete()) {
            out.unchecked(NOT_COMPLETE, path, "the phase of " + label(ctx, p) + " is not known; " + LIVE + " status");
            return Source.UNKNOWN;
        }
        out.deny(NOT_COMPLETE, path, "the snapshot backup " + label(ctx, p) + " has not completed: BR reads the "
                + "backupmeta it writes last", "phase " + p.phaseText(), "wait until it is Complete, or restore another snapshot");
        return Source.NONE;
    }

    private static String kindFix(boolean log, String path) {
        if (log) {
            return "point spec.azblob at the log backup's prefix, pitrFullBackupStorageProvider at the snapshot's";
        }
        return path.equals(MAIN_PATH) ? "to replay a log backup set restoreMode: pitr; to restore a snapshot use its prefix"
                : "point pitrFullBackupStorageProvider at a snapshot backup's prefix";
    }

    /** Where a window finding is reported: the restored time when it is given, else what sets the start. */
    static String windowPath(RestoreContext ctx) {
        if (!Specs.isBlank(ctx.spec().getPitrRestoredTs())) {
            return "spec.pitrRestoredTs";
        }
        return ctx.restoresFullBackup() ? FULL_PATH : "spec.logRestoreStartTs";
    }

    private static void window(RestoreContext ctx, BackupIndex.Peer log, BackupIndex.Peer snapshot, Findings out) {
        String at = windowPath(ctx);
        boolean known = ctx.lookups().backupsComplete();
        String name = label(ctx, log);
        if (log.commitTs() == -1) {
            if (known) {
                // v2 sets status.commitTs when log-start succeeds; before that the log backup holds no log.
                out.deny(NOT_COMPLETE, MAIN_PATH, "the log backup " + name + " has no log yet: its log-start has not "
                        + "succeeded (status.commitTs is empty)", "phase " + log.phaseText(),
                        "wait until it runs, or use another log backup");
            } else {
                out.unchecked(WINDOW, at, "status.commitTs of the log backup " + name + " is not known; " + LIVE + " status");
            }
            return;
        }
        if (log.logCheckpointTs() == -1) {
            out.unchecked(WINDOW, at, "the log backup " + name + " has no status.logCheckpointTs " + (known
                    ? "yet (TiDB Operator refreshes it every minute while Running)" : "known; " + LIVE + " status"));
            return;
        }
        if (log.truncateUntil() == -1) {
            out.unchecked(WINDOW, at, "status.logSuccessTruncateUntil of " + name + " is not a TSO or a zoned time");
            return;
        }
        long oldest = Math.max(log.commitTs(), log.truncateUntil());
        long checkpoint = Math.max(oldest, log.logCheckpointTs()); // as getLogInfoFromStorage: logMaxTS >= logMinTS
        long start;
        String from;
        if (ctx.restoresFullBackup()) {
            if (snapshot == null) {
                return; // reported by source(), or not in Azure (warn.not-azblob)
            }
            if (snapshot.commitTs() == -1) {
                out.unchecked(WINDOW, at, "status.commitTs of the snapshot " + label(ctx, snapshot) + " is not known");
                return;
            }
            start = snapshot.commitTs();
            from = "full backup " + label(ctx, snapshot);
        } else {
            OptionalLong s = RestoreFieldRules.timestamp(ctx.spec().getLogRestoreStartTs());
            if (s.isEmpty()) {
                return; // restore.timestamp reports it
            }
            start = s.getAsLong();
            from = "logRestoreStartTs";
        }
        String restoredText = ctx.spec().getPitrRestoredTs();
        OptionalLong restored = RestoreFieldRules.timestamp(restoredText);
        if (!Specs.isBlank(restoredText) && restored.isEmpty()) {
            return; // restore.timestamp reports it
        }
        if (start < oldest) {
            boolean full = ctx.restoresFullBackup();
            out.deny(GAP, full ? FULL_PATH : "spec.logRestoreStartTs", "the " + from + " (" + time(start)
                            + ") is older than the oldest log of " + name + " (" + time(oldest) + ", its "
                            + (log.truncateUntil() > log.commitTs() ? "last truncate" : "start") + "): BR finds a gap",
                    null, full ? "use a snapshot from " + time(oldest) + " on" : "start at " + time(oldest) + " or later");
            return;
        }
        // restored-ts 0 or none: BR restores to the log's checkpoint at the time it runs
        long end = restored.isEmpty() || restored.getAsLong() == 0 ? checkpoint : restored.getAsLong();
        if (end >= start && end <= checkpoint) {
            return;
        }
        boolean given = restored.isPresent() && restored.getAsLong() != 0;
        String fix = end > checkpoint && log.activeLog() ? "choose a time in it, or wait until the checkpoint passes it"
                : end > checkpoint ? "choose a time in it" : "choose a time in it, or an older full backup";
        out.deny(WINDOW, given ? "spec.pitrRestoredTs" : at, "outside what can be restored now: " + time(start) + " ("
                        + from + ") to " + time(checkpoint) + " (checkpoint of " + name + ")",
                given ? shown(restoredText, end) : null, fix);
    }

    /** A TSO as a UTC time for a message, to the second. */
    static String time(long tso) {
        return Tso.describe(Tso.fromMillis(Tso.toMillis(tso) / 1000 * 1000));
    }

    /** A timestamp as written, with its time when it is a TSO. */
    private static String shown(String raw, long tso) {
        return raw.trim().chars().allMatch(Character::isDigit) ? raw.trim() + " = " + time(tso) : raw.trim();
    }

    static String label(RestoreContext ctx, BackupIndex.Peer p) {
        return ctx.label(p.namespace(), p.name());
    }
}
