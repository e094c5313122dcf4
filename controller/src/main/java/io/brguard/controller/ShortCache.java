package io.brguard.controller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps what a GET found for a few seconds: Backups of one namespace usually share one Secret, one cluster and one
 * ServiceAccount, and a burst of reconciles (a BackupSchedule's day, a controller restart) should not become a
 * burst of identical requests. An absent answer (null) is not kept, so creating the object takes effect at once.
 */
final class ShortCache<V> {
    private record Entry<V>(V value, Instant until) {
    }

    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Entry<V>> entries = new ConcurrentHashMap<>();

    ShortCache(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    V get(String key, Supplier<V> load) {
        return get(key, load, java.util.Objects::nonNull);
    }

    /** The same, keeping only the answers {@code keep} accepts (a "not found" is asked for again at once). */
    V get(String key, Supplier<V> load, java.util.function.Predicate<V> keep) {
        Instant now = clock.instant();
        Entry<V> e = entries.get(key);
        if (e != null && now.isBefore(e.until())) {
            return e.value();
        }
        V v = load.get();
        if (v == null || !keep.test(v)) {
            entries.remove(key);
        } else {
            entries.put(key, new Entry<>(v, now.plus(ttl)));
        }
        return v;
    }
}
