package io.brguard.policy;

import io.brguard.policy.model.Restore;
import io.brguard.policy.model.RestoreSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The Restores a decision compares with, by the TiDB cluster they restore into, so that asking which other Restores
 * hold a cluster costs one lookup. Reads are safe while a writer puts and removes; writes are serialized.
 */
public final class RestoreIndex {
    /** Phases in which a Restore no longer acts on its cluster: TiDB Operator runs no Job for it again. */
    private static final Set<String> DONE = Set.of("Failed", "Invalid");

    /** What the index keeps of one Restore. */
    public record Entry(String key, String namespace, String name, Specs.ClusterRef cluster, String phase) {

        static Entry of(Restore r) {
            String ns = Specs.namespace(r);
            RestoreSpec spec = r.getSpec();
            Specs.ClusterRef cluster = Specs.cluster(ns, spec.getBr())
                    .map(c -> new Specs.ClusterRef(c.namespace().intern(), c.name().intern())).orElse(null);
            String phase = r.getStatus() == null || r.getStatus().getPhase() == null ? "" : r.getStatus().getPhase();
            return new Entry(ns + "/" + Specs.name(r), ns.intern(), Specs.name(r), cluster, phase.intern());
        }

        /** Whether it has restored into its cluster already. */
        public boolean complete() {
            return "Complete".equals(phase);
        }

        /** The phase for a message: {@code not started} when empty. */
        public String phaseText() {
            return phase.isEmpty() ? "not started" : phase;
        }
    }

    /** The first {@code limit} Restores a query found, by key, and how many it found in all. */
    public record Targets(int total, List<Entry> first) {
        public static final Targets NONE = new Targets(0, List.of());
    }

    private final Map<String, Entry> byKey = new ConcurrentHashMap<>();
    private final Map<Specs.ClusterRef, ConcurrentSkipListSet<String>> byCluster = new ConcurrentHashMap<>();

    /** An index of these Restores. */
    public static RestoreIndex of(Collection<Restore> restores) {
        RestoreIndex index = new RestoreIndex();
        restores.forEach(index::put);
        return index;
    }

    /** Adds the Restore, or replaces the one of its namespace and name; null for one without a name or spec. */
    public synchronized Entry put(Restore r) {
        if (r.getSpec() == null || Specs.name(r) == null) {
            return null;
        }
        Entry e = Entry.of(r);
        Entry old = byKey.put(e.key(), e);
        if (old != null) {
            unlink(old);
        }
        if (e.cluster() != null && !DONE.contains(e.phase())) {
            byCluster.computeIfAbsent(e.cluster(), c -> new ConcurrentSkipListSet<>()).add(e.key());
        }
        return e;
    }

    /** Removes the Restore of this namespace and name, if any. */
    public synchronized void remove(String namespace, String name) {
        Entry old = byKey.remove(namespace + "/" + name);
        if (old != null) {
            unlink(old);
        }
    }

    public int size() {
        return byKey.size();
    }

    /**
     * The Restores into this cluster, other than {@code exceptKey}, that have not failed: those that will run, run
     * now, or have restored into it. The first {@code limit} by key, and how many in all.
     */
    public Targets targeting(Specs.ClusterRef cluster, String exceptKey, int limit) {
        ConcurrentSkipListSet<String> keys = byCluster.get(cluster);
        if (keys == null) {
            return Targets.NONE;
        }
        int total = 0;
        List<Entry> first = new ArrayList<>(Math.min(limit, 4));
        for (String k : keys) {
            Entry e = byKey.get(k);
            if (e == null || k.equals(exceptKey)) {
                continue;
            }
            total++;
            if (first.size() < limit) {
                first.add(e);
            }
        }
        return total == 0 ? Targets.NONE : new Targets(total, List.copyOf(first));
    }

    private void unlink(Entry e) {
        if (e.cluster() == null) {
            return;
        }
        ConcurrentSkipListSet<String> keys = byCluster.get(e.cluster());
        if (keys != null) {
            keys.remove(e.key());
            if (keys.isEmpty()) {
                byCluster.remove(e.cluster(), keys);
            }
        }
    }

    @Override
    public String toString() {
        return "RestoreIndex[" + byKey.size() + " Restores]";
    }
}
