package io.brguard.webhook;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.model.LogSubCommandStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import tools.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The Backup informer's store: per Backup only what brguard reads later, never the object the API server sent.
 * The index entry the cross-object rules ask ({@link BackupIndex.Peer}), and for re-evaluating a Backup as it
 * stands its spec as compact JSON and the status fields the rules read. managedFields, annotations (the
 * last-applied configuration is a second copy of the object), conditions and the rest are dropped as each item
 * arrives, so a page of the list is the most that is ever held whole.
 * <p>
 * The informer itself reads back only keys and resource versions ({@code ProcessorStore} compares them to tell an
 * update from a replay), so {@link #get} answers a Backup with metadata alone.
 */
final class CompactBackupStore implements ItemStore<Backup> {
    /**
     * Heap a cached Backup takes besides its spec's bytes: its index entry, names, status strings and map nodes.
     * With the 1.5 KiB per Backup measured for specs of about 400 bytes (docs/benchmarks.md) and a margin.
     */
    static final int ENTRY_BYTES = 1024;

    /** One cached Backup; its names are its index entry's. */
    record Entry(BackupIndex.Peer peer, String resourceVersion, byte[] spec, String phase, String commitTs,
                 String logSuccessTruncateUntil, Map<String, String> subPhases) {

        String namespace() {
            return peer.namespace();
        }

        String name() {
            return peer.name();
        }

        /** The Backup as the rules see an old object: its spec and the status fields they read. */
        Backup backup() {
            return Json.toBackup(tree());
        }

        /** The same as a tree, as the policy reads an object (the background audit). */
        ObjectNode tree() {
            ObjectNode tree = Json.JSON.createObjectNode();
            tree.put("apiVersion", Backup.API_VERSION).put("kind", Backup.KIND);
            tree.putObject("metadata").put("name", name()).put("namespace", namespace())
                    .put("resourceVersion", resourceVersion);
            tree.set("spec", Json.JSON.readTree(spec));
            ObjectNode status = tree.putObject("status");
            putIfSet(status, "phase", phase);
            putIfSet(status, "commitTs", commitTs);
            putIfSet(status, "logSuccessTruncateUntil", logSuccessTruncateUntil);
            if (!subPhases.isEmpty()) {
                ObjectNode subs = status.putObject("logSubCommandStatuses");
                subPhases.forEach((k, v) -> subs.putObject(k).put("command", k).put("phase", v));
            }
            return tree;
        }

        private static void putIfSet(ObjectNode n, String field, String value) {
            if (value != null) {
                n.put(field, value);
            }
        }
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final BackupIndex index = new BackupIndex();
    private final long budgetBytes;
    private final Runnable onOverBudget;
    /** The heap the entries take, estimated. */
    private long bytes;
    /** Past the budget: nothing more is kept; the owner drops this store and the informer that fills it. */
    private volatile boolean over;

    /** A store without a budget (tests). */
    CompactBackupStore() {
        this(Long.MAX_VALUE, () -> { });
    }

    /** @param onOverBudget told once, on the informer's thread, when an item would take the store past its budget */
    CompactBackupStore(long budgetBytes, Runnable onOverBudget) {
        this.budgetBytes = budgetBytes;
        this.onOverBudget = onOverBudget;
    }

    /** The heap an entry takes, estimated: {@link #ENTRY_BYTES} and twice its spec (the bytes and what the index parses of it). */
    static long estimate(int specBytes) {
        return ENTRY_BYTES + 2L * specBytes;
    }

    /** The estimated heap of what is kept. */
    synchronized long bytes() {
        return bytes;
    }

    boolean over() {
        return over;
    }

    private volatile int keptWhenOver;

    /** How many Backups it held when it went past its budget. */
    int keptWhenOver() {
        return keptWhenOver;
    }

    BackupIndex index() {
        return index;
    }

    /** Every cached Backup as a tree, in key order, at most {@code limit} (the background audit's bound). */
    List<ObjectNode> trees(int limit) {
        return entries.entrySet().stream().sorted(Map.Entry.comparingByKey()).limit(limit)
                .map(e -> e.getValue().tree()).toList();
    }

    /** The cached Backups, each as the rules would see it. */
    Stream<Entry> entries() {
        return entries.values().stream();
    }

    @Override
    public String getKey(Backup b) {
        return Cache.metaNamespaceKeyFunc(b);
    }

    @Override
    public synchronized Backup put(String key, Backup b) {
        if (over) {
            return null;
        }
        BackupIndex.Peer peer = index.put(b);
        Entry now = peer == null ? null : compact(peer, b);
        Entry old = peer == null ? entries.remove(key) : entries.put(peer.key(), now);
        bytes += (now == null ? 0 : estimate(now.spec().length)) - (old == null ? 0 : estimate(old.spec().length));
        if (bytes > budgetBytes) {
            over = true;
            keptWhenOver = entries.size();
            clear();
            onOverBudget.run();
            return null;
        }
        return old == null ? null : stub(old);
    }

    @Override
    public synchronized Backup remove(String key) {
        Entry old = entries.remove(key);
        if (old == null) {
            return null;
        }
        bytes -= estimate(old.spec().length);
        index.remove(old.namespace(), old.name());
        return stub(old);
    }

    /** Drops every entry (past the budget: the memory goes back at once, not when the informer is gone). */
    private void clear() {
        for (Entry e : entries.values()) {
            index.remove(e.namespace(), e.name());
        }
        entries.clear();
        bytes = 0;
    }

    @Override
    public Stream<String> keySet() {
        return entries.keySet().stream();
    }

    @Override
    public Stream<Backup> values() {
        return entries.values().stream().map(CompactBackupStore::stub);
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public Backup get(String key) {
        Entry e = entries.get(key);
        return e == null ? null : stub(e);
    }

    static Entry compact(BackupIndex.Peer peer, Backup b) {
        ObjectMeta m = b.getMetadata();
        BackupStatus s = b.getStatus();
        Map<String, String> subs = Map.of();
        if (s != null && s.getLogSubCommandStatuses() != null && !s.getLogSubCommandStatuses().isEmpty()) {
            Map<String, String> phases = new LinkedHashMap<>();
            for (Map.Entry<String, LogSubCommandStatus> e : s.getLogSubCommandStatuses().entrySet()) {
                if (e.getValue() != null && e.getValue().getPhase() != null) {
                    phases.put(e.getKey().intern(), e.getValue().getPhase().intern());
                }
            }
            subs = Map.copyOf(phases);
        }
        return new Entry(peer, m.getResourceVersion(), Json.JSON.writeValueAsBytes(b.getSpec()),
                s == null ? null : intern(s.getPhase()), s == null ? null : s.getCommitTs(),
                s == null ? null : s.getLogSuccessTruncateUntil(), subs);
    }

    /** What the informer reads back of a stored item: its key and resource version. */
    private static Backup stub(Entry e) {
        Backup b = new Backup();
        ObjectMeta m = new ObjectMeta();
        m.setNamespace(e.namespace());
        m.setName(e.name());
        m.setResourceVersion(e.resourceVersion());
        b.setMetadata(m);
        return b;
    }

    private static String intern(String s) {
        return s == null ? null : s.intern();
    }
}
