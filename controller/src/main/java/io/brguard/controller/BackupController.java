package io.brguard.controller;

import io.brguard.policy.model.Backup;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Backup executor: informers on Backups and on brguard's Jobs turn events into Backup keys on a deduplicating
 * queue; workers reconcile each key from the cached state (level-triggered: an event only says "look again").
 * Failures are retried with a capped exponential back-off. It runs only when asked (--run-backups) and where no
 * TiDB Operator v2 runs: that operator reconciles every Backup, and two actors on one Backup race.
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
    private final ControllerMetrics metrics;

    public BackupController(KubernetesClient client, BackupJobs jobBuilder, AzureStorage azure, Planner planner,
                            Clock clock, int workers, int cleanPageSize) {
        this(client, jobBuilder, azure, planner, clock, workers, cleanPageSize, new ControllerMetrics());
    }

    public BackupController(KubernetesClient client, BackupJobs jobBuilder, AzureStorage azure, Planner planner,
                            Clock clock, int workers, int cleanPageSize, ControllerMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
        this.workers = workers;
        this.backups = client.resources(Backup.class).inAnyNamespace().runnableInformer(0);
        this.jobs = client.batch().v1().jobs().inAnyNamespace()
                .withLabel(BackupJobs.LABEL_MANAGED_BY, BackupJobs.MANAGED_BY).runnableInformer(0);
        jobs.addIndexers(Map.of(BY_BACKUP, j -> List.of(ownerKey(j))));
        this.reconciler = new Reconciler(client, planner, jobBuilder, azure, clock,
                key -> backups.getStore().getByKey(key), key -> jobs.getIndexer().byIndex(BY_BACKUP, key), cleanPageSize);
        backups.addEventHandler(queue.handler(b -> Cache.metaNamespaceKeyFunc(b)));
        jobs.addEventHandler(queue.handler(BackupController::ownerKey));
    }

    private static String ownerKey(Job j) {
        String backup = j.getMetadata().getLabels() == null ? null : j.getMetadata().getLabels().get(BackupJobs.LABEL_BACKUP);
        return j.getMetadata().getNamespace() + "/" + (backup == null ? "" : backup);
    }

    /** Starts the informers, waits for their caches, then the workers. */
    public void start(Duration syncTimeout) throws Exception {
        backups.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        jobs.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        queue.startWorkers("brguard-reconcile", workers, Backup.KIND, key -> {
            Optional<Duration> again = reconciler.reconcile(key);
            metrics.stoodDown(Backup.KIND, reconciler.standingDown());
            return again;
        }, () -> metrics.reconcileError(Backup.KIND));
        LOG.info("brguard controller started: {} Backups in cache, {} workers", backups.getStore().list().size(), workers);
    }

    public boolean synced() {
        return backups.hasSynced() && jobs.hasSynced();
    }

    /** Keys waiting or being worked on (tests, benchmark). */
    public int pending() {
        return queue.size();
    }

    @Override
    public void close() {
        queue.close();
        backups.close();
        jobs.close();
    }
}
