package io.brguard.webhook;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * An informer's store that keeps, per object, only what brguard reads later ({@code E}) and never the object the
 * API server sent. The informer itself reads back only keys and resource versions ({@code ProcessorStore} compares
 * them to tell an update from a replay), so {@link #get} answers with an object that has metadata alone.
 *
 * @param <T> the kind cached
 * @param <E> what is kept of one object
 */
abstract class CompactStore<T extends HasMetadata, E extends CompactStore.Kept> implements ItemStore<T> {

    /** What every kept entry has: the names and the resource version the informer compares. */
    interface Kept {
        String namespace();

        String name();

        String resourceVersion();
    }

    private final Map<String, E> entries = new ConcurrentHashMap<>();
    private final Supplier<T> blank;

    CompactStore(Supplier<T> blank) {
        this.blank = blank;
    }

    /** Indexes the object and returns what is kept of it, or null when it is not kept (no name, no spec). */
    abstract E keep(T object);

    /** Takes an entry out of the index. */
    abstract void forget(E entry);

    /** The kept entries, in no order. */
    Stream<E> kept() {
        return entries.values().stream();
    }

    /** The kept entries by key. */
    Map<String, E> keptByKey() {
        return entries;
    }

    @Override
    public String getKey(T object) {
        return Cache.metaNamespaceKeyFunc(object);
    }

    @Override
    public synchronized T put(String key, T object) {
        E e = keep(object);
        E old = e == null ? entries.remove(key) : entries.put(key, e);
        if (e == null && old != null) {
            forget(old);
        }
        return old == null ? null : stub(old);
    }

    @Override
    public synchronized T remove(String key) {
        E old = entries.remove(key);
        if (old == null) {
            return null;
        }
        forget(old);
        return stub(old);
    }

    @Override
    public Stream<String> keySet() {
        return entries.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return entries.values().stream().map(this::stub);
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public T get(String key) {
        E e = entries.get(key);
        return e == null ? null : stub(e);
    }

    /** What the informer reads back of a stored item: its key and resource version. */
    private T stub(E e) {
        T t = blank.get();
        ObjectMeta m = new ObjectMeta();
        m.setNamespace(e.namespace());
        m.setName(e.name());
        m.setResourceVersion(e.resourceVersion());
        t.setMetadata(m);
        return t;
    }
}
