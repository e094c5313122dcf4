package io.brguard.webhook;

import io.brguard.policy.RestoreIndex;
import io.brguard.policy.model.Restore;

/**
 * The Restore informer's store: per Restore only its {@link RestoreIndex} entry (the cluster it restores into and
 * its phase) and its resource version, never the object.
 */
final class CompactRestoreStore extends CompactStore<Restore, CompactRestoreStore.Entry> {

    record Entry(String namespace, String name, String resourceVersion) implements CompactStore.Kept {
    }

    private final RestoreIndex index = new RestoreIndex();

    CompactRestoreStore() {
        super(Restore::new);
    }

    RestoreIndex index() {
        return index;
    }

    @Override
    Entry keep(Restore r) {
        RestoreIndex.Entry e = index.put(r);
        return e == null ? null : new Entry(e.namespace(), e.name(), r.getMetadata().getResourceVersion());
    }

    @Override
    void forget(Entry e) {
        index.remove(e.namespace(), e.name());
    }
}
