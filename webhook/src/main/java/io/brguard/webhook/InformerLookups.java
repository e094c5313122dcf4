package io.brguard.webhook;

import io.brguard.policy.Lookup;
import io.brguard.policy.Lookups;
import io.brguard.policy.SecretKeys;
import io.brguard.policy.model.Backup;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Lookups answered from fabric8 informer caches (all namespaces), never a GET per request. The Secret cache
 * keeps names and key names only: values are replaced before they are stored. Until both caches have synced
 * every lookup answers "unknown", which the webhook turns into an error, never an allow.
 */
public final class InformerLookups implements Lookups, AutoCloseable {
    private final SharedIndexInformer<Backup> backups;
    private final SharedIndexInformer<Secret> secrets;

    public InformerLookups(KubernetesClient client) {
        backups = client.resources(Backup.class).inAnyNamespace().runnableInformer(0);
        secrets = client.secrets().inAnyNamespace().runnableInformer(0).itemStore(new KeysOnly());
    }

    /** Starts both informers; the future completes when both caches hold a full list. */
    public CompletableFuture<Void> start() {
        return CompletableFuture.allOf(backups.start().toCompletableFuture(), secrets.start().toCompletableFuture());
    }

    public boolean synced() {
        return backups.hasSynced() && secrets.hasSynced();
    }

    public void awaitSynced(long timeout, TimeUnit unit) throws Exception {
        start().get(timeout, unit);
    }

    @Override
    public Lookup<SecretKeys> secret(String namespace, String name) {
        if (!secrets.hasSynced()) {
            return Lookup.unknown("the Secret cache has not synced yet");
        }
        Secret s = secrets.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
        if (s == null) {
            return Lookup.missing();
        }
        return Lookup.found(new SecretKeys(namespace, name, s.getData() == null ? java.util.Set.of() : s.getData().keySet()));
    }

    @Override
    public Lookup<List<Backup>> backups() {
        if (!backups.hasSynced()) {
            return Lookup.unknown("the Backup cache has not synced yet");
        }
        return Lookup.found(backups.getStore().list());
    }

    @Override
    public void close() {
        backups.close();
        secrets.close();
    }

    /** Stores a Secret as its name, namespace, resourceVersion and key names; every value is dropped. */
    static final class KeysOnly implements ItemStore<Secret> {
        private final BasicItemStore<Secret> delegate = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

        @Override
        public String getKey(Secret s) {
            return delegate.getKey(s);
        }

        @Override
        public Secret put(String key, Secret s) {
            Map<String, String> keys = new LinkedHashMap<>();
            if (s.getData() != null) {
                s.getData().keySet().forEach(k -> keys.put(k, ""));
            }
            if (s.getStringData() != null) {
                s.getStringData().keySet().forEach(k -> keys.put(k, ""));
            }
            Secret stripped = new Secret();
            stripped.setMetadata(new ObjectMetaBuilder().withName(s.getMetadata().getName())
                    .withNamespace(s.getMetadata().getNamespace()).withUid(s.getMetadata().getUid())
                    .withResourceVersion(s.getMetadata().getResourceVersion()).build());
            stripped.setData(keys);
            return delegate.put(key, stripped);
        }

        @Override
        public Secret remove(String key) {
            return delegate.remove(key);
        }

        @Override
        public Stream<String> keySet() {
            return delegate.keySet();
        }

        @Override
        public Stream<Secret> values() {
            return delegate.values();
        }

        @Override
        public int size() {
            return delegate.size();
        }

        @Override
        public Secret get(String key) {
            return delegate.get(key);
        }
    }
}
