package io.brguard.policy;

/** Read-only facts about the cluster that a decision may need. Implementations answer from caches, never per request. */
public interface Lookups {

    /** The Secret's key names, or missing, or unknown when the cache cannot tell. */
    Lookup<SecretKeys> secret(String namespace, String name);

    /** Every Backup known, in all namespaces, indexed for the cross-object rules. */
    Lookup<BackupIndex> backups();

    /**
     * Whether {@link #backups()} holds every Backup of the cluster (the webhook's synced cache, a live snapshot), so
     * that a location no Backup writes to is a fact; false when it holds only what some files declare.
     */
    default boolean backupsComplete() {
        return true;
    }

    /** Every Restore known, by the cluster it restores into; optional, so the default cannot tell. */
    default Lookup<RestoreIndex> restores() {
        return Lookup.unknown("Restores are not looked up");
    }

    /** Whether the TiDB cluster exists; optional: by default not looked up at all. */
    default Lookup<Boolean> tidbCluster(String namespace, String name) {
        return Lookup.skipped();
    }

    /** Lookups that know nothing: every rule that needs one is reported as not checked. */
    static Lookups unknown(String reason) {
        return new Lookups() {
            @Override
            public Lookup<SecretKeys> secret(String namespace, String name) {
                return Lookup.unknown(reason);
            }

            @Override
            public Lookup<BackupIndex> backups() {
                return Lookup.unknown(reason);
            }
        };
    }
}
