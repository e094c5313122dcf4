package io.brguard.webhook;

import io.brguard.policy.Lookup;
import io.brguard.policy.SecretKeys;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one Secret with a GET when a rule needs it and keeps only its key names, for a short time and for a
 * bounded number of Secrets: Backups of one namespace usually share a Secret, and a burst of edits should not be a
 * burst of GETs. A missing Secret is not kept, so creating it takes effect at once. A GET that fails (timeout,
 * 403, 5xx) answers "unknown", which the webhook turns into an error for the failurePolicy: never an allow or a
 * denial. The webhook's RBAC is get on secrets; no list or watch, so no Secret is ever enumerated.
 */
final class SecretKeyReader {
    private record Cached(SecretKeys keys, Instant until) {
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Cached> cache;

    SecretKeyReader(KubernetesClient client, Clock clock, Duration ttl, int capacity) {
        this.client = client;
        this.clock = clock;
        this.ttl = ttl;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > capacity;
            }
        };
    }

    Lookup<SecretKeys> get(String namespace, String name) {
        String key = namespace + "/" + name;
        Instant now = clock.instant();
        synchronized (cache) {
            Cached c = cache.get(key);
            if (c != null && now.isBefore(c.until())) {
                return Lookup.found(c.keys());
            }
        }
        Secret s;
        try {
            s = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            return Lookup.unknown("could not read Secret " + key + " from the API server ("
                    + (e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer") + ")");
        }
        synchronized (cache) {
            if (s == null) {
                cache.remove(key);
                return Lookup.missing();
            }
            Set<String> keys = new TreeSet<>();
            if (s.getData() != null) {
                keys.addAll(s.getData().keySet());
            }
            if (s.getStringData() != null) {
                keys.addAll(s.getStringData().keySet());
            }
            SecretKeys found = new SecretKeys(namespace, name, keys);
            cache.put(key, new Cached(found, now.plus(ttl)));
            return Lookup.found(found);
        }
    }
}
