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
    private final long budgetBytes;
    private final Runnable onOverBudget;
    /** The heap the entries take, estimated ({@link #estimate}). */
    private long bytes;
    /** Past the budget: nothing more is kept; the owner drops this store and the informer that fills it. */
    private volatile boolean over;
    private volatile int keptWhenOver;

    /** A store without a budget. */
    CompactStore(Supplier<T> blank) {
        this(blank, Long.MAX_VALUE, () -> { });
    }

    /**
     * @param budgetBytes  the heap the entries may take, as {@link #estimate} counts it
     * @param onOverBudget told once, on the informer's thread, when an item would take the store past its budget;
     *                     the store has then given back every entry and keeps nothing more
     */
    CompactStore(Supplier<T> blank, long budgetBytes, Runnable onOverBudget) {
        this.blank = blank;
        this.budgetBytes = budgetBytes;
        this.onOverBudget = onOverBudget;
    }

    /** The heap one entry takes, estimated; 0 for a store without a budget. */
    long estimate(E entry) {
        return 0;
    }

    /** The estimated heap of what is kept. */
    synchronized long bytes() {
        return bytes;
    }

    /** Whether an item took it past its budget (it then keeps nothing). */
    boolean over() {
        return over;
    }

    /** How many entries it held when it went past its budget. */
    int keptWhenOver() {
        return keptWhenOver;
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
        if (over) {
            return null;
        }
        E e = keep(object);
        E old = e == null ? entries.remove(key) : entries.put(key, e);
        if (e == null && old != null) {
            forget(old);
        }
        bytes += (e == null ? 0 : estimate(e)) - (old == null ? 0 : estimate(old));
        if (bytes > budgetBytes) {
            over = true;
            keptWhenOver = entries.size();
            clear();
            onOverBudget.run();
            return null;
        }
        return old == null ? null : stub(old);
    }

    /** Drops every entry (past the budget: the memory goes back at once, not when the informer is gone). */
    private void clear() {
        entries.values().forEach(this::forget);
        entries.clear();
        bytes = 0;
    }

    @Override
    public synchronized T remove(String key) {
        E old = entries.remove(key);
        if (old == null) {
            return null;
        }
        forget(old);
        bytes -= estimate(old);
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
