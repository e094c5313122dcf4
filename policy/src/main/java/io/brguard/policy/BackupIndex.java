package io.brguard.policy;

import io.brguard.policy.field.Tso;
import io.brguard.policy.model.Backup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The Backups a decision compares with, indexed by what the cross-object rules ask, so that a rule costs a few
 * lookups however many Backups the cluster holds: active log backups by TiDB cluster, storage locations by
 * container and path (a nested prefix is a range of keys, an exact one a key, which is how a Restore finds the
 * Backup it reads), Complete snapshots by cluster and commitTs. A
 * Backup's cluster and location are read once, when it is put. Reads are safe while a writer puts and removes
 * (the webhook's informer writes while requests read); writes are serialized.
 * <p>
 * A Backup may be put with an {@code order}, its place among new Backups checked together ({@code brguard check}):
 * a query made {@code before} an order sees the Backups that exist already and the new ones placed earlier, so a
 * conflict between two new Backups is found once, by the later. Without an order a Backup is seen by every query.
 */
public final class BackupIndex {
    /** Phases in which a log backup holds no BR task: BR's one-task-per-cluster rule no longer applies. */
    private static final Set<String> INACTIVE = Set.of("Stopped", "Failed", "Invalid");

    /**
     * What the index keeps of one Backup: enough for the cross-object rules and their messages. The TSOs are -1
     * when the status does not say (or says it in a form that is not a TSO); {@code truncateUntil} is 0 when the
     * log backup was never truncated.
     */
    public record Peer(String key, String namespace, String name, boolean log, String phase,
                       Specs.ClusterRef cluster, Specs.AzureLocation location, long commitTs, long logCheckpointTs,
                       long truncateUntil, int order) {

        public static Peer of(Backup b, int order) {
            String phase = Specs.phase(b);
            // Names many Backups share (namespace, cluster, container, phase) are kept once, not once per Backup.
            Specs.ClusterRef cluster = Specs.cluster(b)
                    .map(c -> new Specs.ClusterRef(c.namespace().intern(), c.name().intern())).orElse(null);
            Specs.AzureLocation location = Specs.location(b).map(l -> new Specs.AzureLocation(
                    l.account() == null ? null : l.account().intern(), l.container().intern(), l.prefix())).orElse(null);
            boolean log = Specs.isLog(b.getSpec());
            long checkpoint = -1;
            long truncated = 0;
            if (log && b.getStatus() != null) {
                checkpoint = Tso.valueOrMinusOne(b.getStatus().getLogCheckpointTs());
                // TiDB Operator copies the spec's string here; a form that is not a TSO or a zoned time is unknown.
                String until = b.getStatus().getLogSuccessTruncateUntil();
                truncated = Specs.isBlank(until) ? 0 : Tso.valueOrMinusOne(until);
            }
            return new Peer(Specs.nsName(b), Specs.namespace(b).intern(), Specs.name(b), log, phase.intern(), cluster,
                    location, Tso.valueOrMinusOne(Specs.statusCommitTs(b)), checkpoint, truncated, order);
        }

        /** Whether a query made before {@code order} sees this Backup. */
        boolean seenBefore(int order) {
            return this.order < order;
        }

        /** A log backup whose task may be running: BR allows one per cluster. */
        public boolean activeLog() {
            return log && !INACTIVE.contains(phase);
        }

        /** A snapshot backup that finished and says when it was taken. */
        public boolean completeSnapshot() {
            return !log && "Complete".equals(phase) && commitTs != -1;
        }

        /** The phase for a message: {@code not started} when empty. */
        public String phaseText() {
            return phase.isEmpty() ? "not started" : phase;
        }
    }

    /** The first {@code limit} peers a query found, and how many it found in all. */
    public record Matches(int total, List<Peer> first) {
        public static final Matches NONE = new Matches(0, List.of());
    }

    /** No order: a Backup that exists, seen by every query. */
    public static final int EXISTING = -1;
    /** A query that sees every Backup. */
    public static final int ALL = Integer.MAX_VALUE;
    /** How many keys a query walks at most to name its matches (the count is exact regardless). */
    private static final int NAME_SCAN = 1024;

    /**
     * Keys in order and their number, which a skip list cannot count without a walk, and the sorted orders of
     * the ordered Backups among them, so that a query before an order counts by binary search.
     */
    private static final class Bucket {
        final ConcurrentSkipListSet<String> keys = new ConcurrentSkipListSet<>();
        volatile int size;
        volatile int[] orders = new int[0];

        /** How many keys a query made before {@code order} sees. */
        int seenBefore(int order) {
            int[] o = orders;
            int lo = 0;
            int hi = o.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (o[mid] < order) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return size - (o.length - lo);
        }

        void addOrder(int order) {
            int[] o = orders;
            int at = o.length;
            while (at > 0 && o[at - 1] > order) {
                at--;
            }
            int[] n = new int[o.length + 1];
            System.arraycopy(o, 0, n, 0, at);
            n[at] = order;
            System.arraycopy(o, at, n, at + 1, o.length - at);
            orders = n;
        }

        void removeOrder(int order) {
            int[] o = orders;
            for (int i = 0; i < o.length; i++) {
                if (o[i] == order) {
                    int[] n = new int[o.length - 1];
                    System.arraycopy(o, 0, n, 0, i);
                    System.arraycopy(o, i + 1, n, i, o.length - i - 1);
                    orders = n;
                    return;
                }
            }
        }
    }

    private final Map<String, Peer> byKey = new ConcurrentHashMap<>();
    private final Map<Specs.ClusterRef, Bucket> activeLogs = new ConcurrentHashMap<>();
    /** Keys by location; most locations hold one Backup, so a bucket is a small array replaced on each write. */
    private final ConcurrentSkipListMap<String, String[]> byLocation = new ConcurrentSkipListMap<>();
    private final Map<Specs.ClusterRef, ConcurrentSkipListSet<Peer>> snapshots = new ConcurrentHashMap<>();

    /** Newest commitTs first; the key breaks ties. */
    private static final Comparator<Peer> NEWEST_FIRST = Comparator.comparingLong(Peer::commitTs)
            .reversed().thenComparing(Peer::key);

    /** An index of these Backups. */
    public static BackupIndex of(Collection<Backup> backups) {
        BackupIndex index = new BackupIndex();
        backups.forEach(index::put);
        return index;
    }

    /** Adds the Backup, or replaces the one with its namespace and name; every query sees it. */
    public Peer put(Backup b) {
        return put(b, EXISTING);
    }

    /**
     * Adds the Backup at a place among new Backups: only queries made after that place see it. Returns its entry,
     * or null for a Backup without a name or spec, which no rule compares with.
     */
    public synchronized Peer put(Backup b, int order) {
        if (b.getSpec() == null || Specs.name(b) == null) {
            return null;
        }
        Peer p = Peer.of(b, order);
        Peer old = byKey.put(p.key(), p);
        if (old != null) {
            unlink(old);
        }
        link(p);
        return p;
    }

    /** Removes the Backup with this namespace and name, if any. */
    public synchronized void remove(String namespace, String name) {
        Peer old = byKey.remove(namespace + "/" + name);
        if (old != null) {
            unlink(old);
        }
    }

    public Optional<Peer> get(String namespace, String name) {
        return Optional.ofNullable(byKey.get(namespace + "/" + name));
    }

    public int size() {
        return byKey.size();
    }

    /** Every Backup in the index, in no order. */
    public Collection<Peer> peers() {
        return byKey.values();
    }

    /** The active log backups of this cluster other than {@code exceptKey}: the first by key, and the count. */
    public Matches activeLogBackups(Specs.ClusterRef cluster, String exceptKey, int limit) {
        return activeLogBackups(cluster, exceptKey, ALL, limit);
    }

    /** As above, as seen from a query made before {@code order}. */
    public Matches activeLogBackups(Specs.ClusterRef cluster, String exceptKey, int order, int limit) {
        Bucket b = activeLogs.get(cluster);
        if (b == null) {
            return Matches.NONE;
        }
        Peer self = byKey.get(exceptKey);
        int total = b.seenBefore(order) - (self != null && b.keys.contains(exceptKey) && self.seenBefore(order) ? 1 : 0);
        if (total <= 0) {
            return Matches.NONE;
        }
        List<Peer> first = new ArrayList<>(Math.min(limit, 8));
        int walked = 0;
        for (String k : b.keys) {
            if (first.size() >= limit || walked++ >= NAME_SCAN) {
                break;
            }
            Peer p = byKey.get(k);
            if (p != null && !k.equals(exceptKey) && p.seenBefore(order)) {
                first.add(p);
            }
        }
        return new Matches(total, List.copyOf(first));
    }

    /**
     * The Backups other than {@code exceptKey} whose location is this one, inside it or contains it (whole path
     * segments, same container). Two accounts that are both known and differ never overlap.
     */
    public Matches overlapping(Specs.AzureLocation location, String exceptKey, int limit) {
        return overlapping(location, exceptKey, ALL, limit);
    }

    /** As above, as seen from a query made before {@code order}. */
    public Matches overlapping(Specs.AzureLocation location, String exceptKey, int order, int limit) {
        return overlapping(location, p -> p.key().equals(exceptKey), order, limit);
    }

    /** As above, leaving out every Backup {@code except} accepts (a schedule's own children). */
    public Matches overlapping(Specs.AzureLocation location, java.util.function.Predicate<Peer> except, int order, int limit) {
        List<String> keys = new ArrayList<>();
        String container = location.container() + "/";
        StringBuilder path = new StringBuilder(container);
        // the location itself and every ancestor: one exact key each
        addBucket(path.toString(), keys);
        for (String segment : location.prefix()) {
            path.append(segment).append('/');
            addBucket(path.toString(), keys);
        }
        // everything below it: the keys that start with its own
        String own = path.toString();
        for (String[] bucket : byLocation.subMap(own, false, own + Character.MAX_VALUE, false).values()) {
            keys.addAll(List.of(bucket));
        }
        return collect(keys, except, location.account(), order, limit);
    }

    /**
     * The Backups that write exactly at this location (the same container and prefix segments; accounts that are
     * both known must agree), the first {@code limit} by key: one map lookup, however many Backups are indexed.
     */
    public Matches at(Specs.AzureLocation location, int limit) {
        String[] bucket = byLocation.get(locationKey(location));
        return bucket == null ? Matches.NONE : collect(List.of(bucket), p -> false, location.account(), ALL, limit);
    }

    /** The Complete snapshot of this cluster with the highest status.commitTs. */
    public Optional<Peer> newestCompleteSnapshot(Specs.ClusterRef cluster) {
        ConcurrentSkipListSet<Peer> set = snapshots.get(cluster);
        if (set == null) {
            return Optional.empty();
        }
        var it = set.iterator(); // not first(): a writer may empty the set meanwhile
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }

    private void addBucket(String key, List<String> out) {
        String[] bucket = byLocation.get(key);
        if (bucket != null) {
            out.addAll(List.of(bucket));
        }
    }

    private Matches collect(Collection<String> keys, java.util.function.Predicate<Peer> except, String account, int order,
                            int limit) {
        int total = 0;
        List<Peer> first = new ArrayList<>(Math.min(limit, 8));
        for (String k : keys) {
            Peer p = byKey.get(k);
            if (p == null || except.test(p) || !p.seenBefore(order)) {
                continue;
            }
            if (account != null && p.location() != null && p.location().account() != null
                    && !account.equals(p.location().account())) {
                continue;
            }
            total++;
            keepSmallest(first, p, limit);
        }
        return total == 0 ? Matches.NONE : new Matches(total, List.copyOf(first));
    }

    /** Keeps {@code kept} the {@code limit} smallest keys seen, in order, so messages do not depend on hashing. */
    private static void keepSmallest(List<Peer> kept, Peer p, int limit) {
        int i = kept.size();
        while (i > 0 && kept.get(i - 1).key().compareTo(p.key()) > 0) {
            i--;
        }
        if (i < limit) {
            kept.add(i, p);
            if (kept.size() > limit) {
                kept.remove(limit);
            }
        }
    }

    private void link(Peer p) {
        if (p.activeLog() && p.cluster() != null) {
            Bucket b = activeLogs.computeIfAbsent(p.cluster(), c -> new Bucket());
            if (b.keys.add(p.key())) {
                if (p.order() >= 0) {
                    b.addOrder(p.order());
                }
                b.size++;
            }
        }
        if (p.location() != null) {
            byLocation.merge(locationKey(p.location()), new String[] {p.key()}, BackupIndex::union);
        }
        if (p.completeSnapshot() && p.cluster() != null) {
            snapshots.computeIfAbsent(p.cluster(), c -> new ConcurrentSkipListSet<>(NEWEST_FIRST)).add(p);
        }
    }

    private void unlink(Peer p) {
        if (p.cluster() != null) {
            Bucket b = activeLogs.get(p.cluster());
            if (b != null && b.keys.remove(p.key())) {
                if (p.order() >= 0) {
                    b.removeOrder(p.order());
                }
                if (--b.size == 0) {
                    activeLogs.remove(p.cluster(), b);
                }
            }
            ConcurrentSkipListSet<Peer> set = snapshots.get(p.cluster());
            if (set != null) {
                set.remove(p);
                if (set.isEmpty()) {
                    snapshots.remove(p.cluster(), set);
                }
            }
        }
        if (p.location() != null) {
            byLocation.computeIfPresent(locationKey(p.location()), (k, keys) -> without(keys, p.key()));
        }
    }

    private static String[] union(String[] a, String[] b) {
        for (String k : a) {
            if (k.equals(b[0])) {
                return a;
            }
        }
        String[] n = java.util.Arrays.copyOf(a, a.length + 1);
        n[a.length] = b[0];
        return n;
    }

    /** The keys without {@code key}; null (the bucket goes) when none is left. */
    private static String[] without(String[] keys, String key) {
        String[] n = java.util.Arrays.stream(keys).filter(k -> !k.equals(key)).toArray(String[]::new);
        return n.length == 0 ? null : n;
    }

    /** {@code container/seg1/seg2/}: a location's key; the keys of the locations inside it start with it. */
    static String locationKey(Specs.AzureLocation l) {
        StringBuilder sb = new StringBuilder(l.container()).append('/');
        for (String s : l.prefix()) {
            sb.append(s).append('/');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "BackupIndex[" + byKey.size() + " Backups]";
    }
}
