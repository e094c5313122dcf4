package io.brguard.controller;

import io.brguard.policy.model.Backup;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The controller loop: informers on Backups and on brguard's Jobs turn events into Backup keys on a
 * deduplicating queue; workers reconcile each key from the cached state (level-triggered: an event only says
 * "look again"). Failures are retried with a capped exponential back-off.
 */
public final class BackupController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupController.class);
    private static final String BY_BACKUP = "byBackup";

    private final KubernetesClient client;
    private final WorkQueue queue = new WorkQueue();
    private final SharedIndexInformer<Backup> backups;
    private final SharedIndexInformer<Job> jobs;
    private final Reconciler reconciler;
    private final int workers;
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();

    public BackupController(KubernetesClient client, BackupJobs jobBuilder, AzureStorage azure, Planner planner,
                            Clock clock, int workers, int cleanPageSize) {
        this.client = client;
        this.workers = workers;
        this.backups = client.resources(Backup.class).inAnyNamespace().runnableInformer(0);
        this.jobs = client.batch().v1().jobs().inAnyNamespace()
                .withLabel(BackupJobs.LABEL_MANAGED_BY, BackupJobs.MANAGED_BY).runnableInformer(0);
        jobs.addIndexers(Map.of(BY_BACKUP, j -> List.of(ownerKey(j))));
        this.reconciler = new Reconciler(client, planner, jobBuilder, azure, clock,
                key -> backups.getStore().getByKey(key), key -> jobs.getIndexer().byIndex(BY_BACKUP, key), cleanPageSize);
        backups.addEventHandler(handler(b -> Cache.metaNamespaceKeyFunc(b)));
        jobs.addEventHandler(handler(BackupController::ownerKey));
    }

    private static String ownerKey(Job j) {
        String backup = j.getMetadata().getLabels() == null ? null : j.getMetadata().getLabels().get(BackupJobs.LABEL_BACKUP);
        return j.getMetadata().getNamespace() + "/" + (backup == null ? "" : backup);
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(java.util.function.Function<T, String> key) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                queue.add(key.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                queue.add(key.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                queue.add(key.apply(obj));
            }
        };
    }

    /** Starts the informers, waits for their caches, then the workers. */
    public void start(Duration syncTimeout) throws Exception {
        backups.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        jobs.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "brguard-reconcile-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        LOG.info("brguard controller started: {} Backups in cache, {} workers", backups.getStore().list().size(), workers);
    }

    public boolean synced() {
        return backups.hasSynced() && jobs.hasSynced();
    }

    /** Keys waiting or being worked on (tests, benchmark). */
    public int pending() {
        return queue.size();
    }

    private void work() {
        while (true) {
            String key;
            try {
                key = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) {
                return;
            }
            try {
                reconciler.reconcile(key).ifPresent(d -> queue.addAfter(key, d));
                failures.remove(key);
            } catch (RuntimeException e) {
                int n = failures.merge(key, 1, Integer::sum);
                Duration backoff = Duration.ofMillis(Math.min(100L << Math.min(n, 10), 60_000));
                LOG.warn("reconciling {} failed ({} in a row), retrying in {} ms: {}", key, n, backoff.toMillis(), e.toString());
                queue.addAfter(key, backoff);
            } finally {
                queue.done(key);
            }
        }
    }

    @Override
    public void close() {
        queue.close();
        backups.close();
        jobs.close();
        threads.forEach(Thread::interrupt);
    }
}
