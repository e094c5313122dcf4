package io.brguard.webhook;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.model.LogSubCommandStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import tools.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Backup informer's store: per Backup only what brguard reads later, never the object the API server sent.
 * The index entry the cross-object rules ask ({@link BackupIndex.Peer}), and for re-evaluating a Backup as it
 * stands its spec as compact JSON and the status fields the rules read. managedFields, annotations (the
 * last-applied configuration is a second copy of the object), conditions and the rest are dropped as each item
 * arrives, so a page of the list is the most that is ever held whole.
 */
final class CompactBackupStore extends CompactStore<Backup, CompactBackupStore.Entry> {
    /**
     * Heap a cached Backup takes besides its spec's bytes: its index entry, names, status strings and map nodes.
     * With the 1.5 KiB per Backup measured for specs of about 400 bytes (docs/benchmarks.md) and a margin.
     */
    static final int ENTRY_BYTES = 1024;

    /** One cached Backup; its names are its index entry's. */
    record Entry(BackupIndex.Peer peer, String resourceVersion, byte[] spec, String phase, String commitTs,
                 String logSuccessTruncateUntil, Map<String, String> subPhases) implements CompactStore.Kept {

        @Override
        public String namespace() {
            return peer.namespace();
        }

        @Override
        public String name() {
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

    private final BackupIndex index = new BackupIndex();

    /** A store without a budget (tests). */
    CompactBackupStore() {
        super(Backup::new);
    }

    /** @param onOverBudget told once, on the informer's thread, when an item would take the store past its budget */
    CompactBackupStore(long budgetBytes, Runnable onOverBudget) {
        super(Backup::new, budgetBytes, onOverBudget);
    }

    /** The heap an entry takes, estimated: {@link #ENTRY_BYTES} and twice its spec (the bytes and what the index parses of it). */
    static long estimate(int specBytes) {
        return ENTRY_BYTES + 2L * specBytes;
    }

    @Override
    long estimate(Entry e) {
        return estimate(e.spec().length);
    }

    BackupIndex index() {
        return index;
    }

    /** Every cached Backup as a tree, in key order, at most {@code limit} (the background audit's bound). */
    List<ObjectNode> trees(int limit) {
        return keptByKey().entrySet().stream().sorted(Map.Entry.comparingByKey()).limit(limit)
                .map(e -> e.getValue().tree()).toList();
    }

    /** The cached Backups, each as the rules would see it. */
    Stream<Entry> entries() {
        return kept();
    }

    @Override
    Entry keep(Backup b) {
        BackupIndex.Peer peer = index.put(b);
        return peer == null ? null : compact(peer, b);
    }

    @Override
    void forget(Entry e) {
        index.remove(e.namespace(), e.name());
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

    private static String intern(String s) {
        return s == null ? null : s.intern();
    }
}
