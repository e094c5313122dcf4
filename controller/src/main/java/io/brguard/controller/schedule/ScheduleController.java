package io.brguard.controller.schedule;

import io.brguard.controller.ControllerMetrics;
import io.brguard.controller.WorkQueue;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.schedule.ScheduledBackups;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The BackupSchedule loop: informers on BackupSchedules and on the Backups schedules made (label
 * tidb.pingcap.com/backup-schedule) put schedule keys on a deduplicating queue; workers reconcile each from the
 * caches. A schedule is looked at again when it or one of its Backups changes, and at its next run, retention
 * expiry or resync, whichever comes first.
 */
public final class ScheduleController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleController.class);
    private static final String BY_SCHEDULE = "bySchedule";
    /** How long a schedule waits at most before it is looked at again when nothing calls it. */
    static final Duration RESYNC = Duration.ofMinutes(10);

    private final WorkQueue queue = new WorkQueue();
    private final SharedIndexInformer<BackupSchedule> schedules;
    private final SharedIndexInformer<Backup> children;
    private final ScheduleReconciler reconciler;
    private final ControllerMetrics metrics;
    private final Clock clock;
    private final int workers;

    public ScheduleController(KubernetesClient client, SchedulePlanner planner, Clock clock, ControllerMetrics metrics, int workers) {
        this.clock = clock;
        this.metrics = metrics;
        this.workers = workers;
        this.schedules = client.resources(BackupSchedule.class).inAnyNamespace().runnableInformer(0);
        this.children = client.resources(Backup.class).inAnyNamespace().withLabel(ScheduledBackups.SCHEDULE_LABEL)
                .runnableInformer(0);
        children.addIndexers(Map.of(BY_SCHEDULE, b -> {
            String key = ScheduleReconciler.scheduleKey(b);
            return key == null ? List.of() : List.of(key);
        }));
        Function<String, List<Backup>> childrenOf = key -> children.getIndexer().byIndex(BY_SCHEDULE, key);
        this.reconciler = new ScheduleReconciler(client, planner, clock, key -> schedules.getStore().getByKey(key),
                childrenOf, metrics);
        schedules.addEventHandler(queue.handler(Cache::metaNamespaceKeyFunc));
        children.addEventHandler(queue.handler(ScheduleReconciler::scheduleKey));
    }

    /** Starts the informers, waits for their caches, then the workers. */
    public void start(Duration syncTimeout) throws Exception {
        schedules.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        children.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        queue.startWorkers("brguard-schedule", workers, BackupSchedule.KIND, key -> {
            // Looked at again at the plan's next run or expiry, and after RESYNC at the latest; just after the
            // run's second, never just before it.
            Instant now = clock.instant();
            Instant at = reconciler.reconcile(key).filter(t -> t.isBefore(now.plus(RESYNC))).orElse(now.plus(RESYNC));
            return Optional.of(Duration.between(now, at).plusMillis(50));
        }, () -> metrics.reconcileError(BackupSchedule.KIND));
        LOG.info("brguard schedule controller started: {} BackupSchedules, {} of their Backups in cache, {} workers",
                schedules.getStore().list().size(), children.getStore().list().size(), workers);
    }

    public boolean synced() {
        return schedules.hasSynced() && children.hasSynced();
    }

    /** Keys waiting or being worked on (tests, benchmark). */
    public int pending() {
        return queue.size();
    }

    @Override
    public void close() {
        queue.close();
        schedules.close();
        children.close();
    }
}
