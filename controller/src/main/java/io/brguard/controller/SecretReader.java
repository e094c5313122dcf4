package io.brguard.controller;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a Backup's Secret with a GET (the controller's RBAC is "get" on secrets, no list/watch) and keeps the
 * answer for a few seconds: Backups of one namespace usually share one Secret, and a burst of reconciles should
 * not become a burst of identical GETs. A missing Secret is not cached, so creating it takes effect at once.
 */
final class SecretReader {
    private record Entry(Secret secret, Instant until) {
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    SecretReader(KubernetesClient client, Clock clock, Duration ttl) {
        this.client = client;
        this.clock = clock;
        this.ttl = ttl;
    }

    Secret get(String namespace, String name) {
        String key = namespace + "/" + name;
        Instant now = clock.instant();
        Entry e = cache.get(key);
        if (e != null && now.isBefore(e.until())) {
            return e.secret();
        }
        Secret s = client.secrets().inNamespace(namespace).withName(name).get();
        if (s == null) {
            cache.remove(key);
        } else {
            cache.put(key, new Entry(s, now.plus(ttl)));
        }
        return s;
    }
}
