package io.brguard.controller;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Duration;

/**
 * Reads a Backup's Secret with a GET (the controller's RBAC is "get" on secrets, no list/watch), kept for a few
 * seconds ({@link ShortCache}); a missing Secret is asked for again at once.
 */
final class SecretReader {
    private final KubernetesClient client;
    private final ShortCache<Secret> cache;

    SecretReader(KubernetesClient client, Clock clock, Duration ttl) {
        this.client = client;
        this.cache = new ShortCache<>(clock, ttl);
    }

    Secret get(String namespace, String name) {
        return cache.get(namespace + "/" + name, () -> client.secrets().inNamespace(namespace).withName(name).get());
    }
}
