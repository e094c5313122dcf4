package io.brguard.policy.restore;

import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Operation;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.Specs;
import io.brguard.policy.model.AzblobStorageProvider;
import io.brguard.policy.model.Restore;
import io.brguard.policy.model.RestoreSpec;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The input of every Restore rule: the operation, the old Restore (spec, name and status phase, as
 * {@link RestorePolicy}'s old fields keep them) and the new one, both defaulted, with their spec trees, the lookups
 * and the config. Read-only.
 */
public record RestoreContext(Operation operation, Restore oldRestore, Restore restore, JsonNode oldSpecTree,
                             JsonNode newSpecTree, Lookups lookups, PolicyConfig config) {

    /**
     * Phases after which TiDB Operator v2 no longer reads the spec: the Job exists from Scheduled on (syncRestoreJob
     * only follows it then), Complete and Failed end the Restore, and an Invalid one is skipped before any sync
     * (Reconcile, pkg/controllers/br/restore/controller.go). Before the Job exists (no phase, or RetryFailed while
     * it cannot be made) a spec change is read at the next sync.
     */
    static final Set<String> STARTED = Set.of("Scheduled", "Running", "Complete", "Failed", "Invalid");

    public RestoreSpec spec() {
        return restore.getSpec();
    }

    public String namespace() {
        return Specs.namespace(restore);
    }

    public String name() {
        return Specs.name(restore);
    }

    /** {@code namespace/name}. */
    public String key() {
        return namespace() + "/" + name();
    }

    public boolean isCreate() {
        return operation == Operation.CREATE;
    }

    /** Whether the spec field at the JSON pointer differs between old and new (always true on CREATE). */
    public boolean changed(String pointer) {
        return oldSpecTree == null || !Json.sameMeaning(oldSpecTree.at(pointer), newSpecTree.at(pointer));
    }

    /** restoreMode pitr; anything else runs as a snapshot restore (restore_manager.go makeRestoreJob). */
    public boolean isPitr() {
        return "pitr".equals(spec().getRestoreMode());
    }

    /** The old Restore's status.phase, "" when it has none. */
    public String oldPhase() {
        return oldRestore == null || oldRestore.getStatus() == null || oldRestore.getStatus().getPhase() == null
                ? "" : oldRestore.getStatus().getPhase();
    }

    /** Whether the old Restore has started, so TiDB Operator no longer reads its spec. */
    public boolean started() {
        return operation == Operation.UPDATE && STARTED.contains(oldPhase());
    }

    /**
     * Whether the rules about what the Restore reads and where it writes apply: on CREATE, and on an UPDATE that
     * TiDB Operator will still act on. A started Restore's edits are refused by {@link RestoreTransitionRules}.
     */
    public boolean runsFromThisSpec() {
        return operation == Operation.CREATE || !started();
    }

    /** The TiDB cluster restored into (br.clusterNamespace defaults to the Restore's namespace). */
    public Optional<Specs.ClusterRef> cluster() {
        return Specs.cluster(namespace(), spec().getBr());
    }

    /**
     * A restore of the whole cluster: no table filter and no db or table type. BR checks such a restore against the
     * target cluster (CheckTargetClusterFresh, checkTaskCompat) and lets filtered ones through.
     */
    public boolean full() {
        List<String> filter = spec().getTableFilter();
        String type = spec().getBackupType();
        return (filter == null || filter.isEmpty()) && (type == null || "full".equals(type));
    }

    /** The full backup's azblob of a PITR, or null. */
    public AzblobStorageProvider fullBackupAzblob() {
        return spec().getPitrFullBackupStorageProvider() == null ? null : spec().getPitrFullBackupStorageProvider().getAzblob();
    }

    /** Whether a PITR restores a snapshot first (pitrFullBackupStorageProvider names a provider). */
    public boolean restoresFullBackup() {
        return spec().getPitrFullBackupStorageProvider() != null && spec().getPitrFullBackupStorageProvider().isSet();
    }

    /** A Backup's key as a message names it: its name alone when it is in the Restore's namespace. */
    String label(String namespace, String name) {
        return namespace.equals(namespace()) ? name : namespace + "/" + name;
    }
}
