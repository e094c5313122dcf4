package io.brguard.controller.schedule;

import io.brguard.controller.ControllerMetrics;
import io.brguard.policy.Json;
import io.brguard.policy.Specs;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.model.BackupScheduleStatus;
import io.brguard.policy.schedule.ScheduledBackups;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Reconciles one BackupSchedule: reads it and its Backups (from the caches), plans ({@link SchedulePlanner}, pure)
 * and applies the plan in a crash-safe order: create, delete, truncate, then status. Child names are deterministic,
 * so a Backup created before a crash answers 409 next time and is adopted, never made twice. Every write names
 * brguard's field manager, so another controller can tell brguard's writes from its own, and brguard from theirs.
 */
public final class ScheduleReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleReconciler.class);
    private static final PatchContext MERGE = new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
            .withFieldManager(SchedulePlanner.FIELD_MANAGER).build();


    private final KubernetesClient client;
    private final SchedulePlanner planner;
    private final Clock clock;
    private final Function<String, BackupSchedule> schedules;
    private final Function<String, List<Backup>> childrenOf;
    private final ControllerMetrics metrics;
    private final ScheduleEvents events;
    /** Schedules left to another controller, by key, with why: said once, counted in a metric. */
    private final Map<String, String> stoodDown = new ConcurrentHashMap<>();

    public ScheduleReconciler(KubernetesClient client, SchedulePlanner planner, Clock clock,
                              Function<String, BackupSchedule> schedules, Function<String, List<Backup>> childrenOf,
                              ControllerMetrics metrics) {
        this.client = client;
        this.planner = planner;
        this.clock = clock;
        this.schedules = schedules;
        this.childrenOf = childrenOf;
        this.metrics = metrics;
        this.events = new ScheduleEvents(client, clock);
    }

    /** Reconciles the schedule with key namespace/name; returns when to look again, if ever. */
    public Optional<Instant> reconcile(String key) {
        BackupSchedule s = schedules.apply(key);
        String ns = key.substring(0, key.indexOf('/'));
        String name = key.substring(key.indexOf('/') + 1);
        if (s == null || s.getSpec() == null) {
            metrics.forget(ns, name);
            if (stoodDown.remove(key) != null) {
                metrics.stoodDown(BackupSchedule.KIND, stoodDown.size());
            }
            return Optional.empty();
        }
        if (s.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty(); // the garbage collector deletes its Backups (owner references)
        }
        List<Backup> children = new ArrayList<>();
        for (Backup b : childrenOf.apply(key)) {
            if (ownedBy(b, s)) {
                children.add(b);
            }
        }
        SchedulePlanner.Plan plan = planner.plan(s, children, clock.instant());
        if (plan.standDown() != null) {
            if (stoodDown.put(key, plan.standDown()) == null) {
                LOG.warn("standing down on {}: {}; brguard does not act on it while another controller does", key, plan.standDown());
                events.record(s, "Normal", "StoodDown", "brguard's controller stands down: " + plan.standDown());
                metrics.stoodDown(BackupSchedule.KIND, stoodDown.size());
            }
            return Optional.empty();
        }
        if (stoodDown.remove(key) != null) {
            LOG.info("{} is brguard's to carry out again", key);
            metrics.stoodDown(BackupSchedule.KIND, stoodDown.size());
        }
        int created = 0;
        boolean refused = false;
        for (Backup b : plan.create()) {
            switch (create(s, b)) {
                case CREATED -> created++;
                case ADOPTED -> {
                }
                case REFUSED -> refused = true;
            }
        }
        int deleted = 0;
        for (String child : plan.delete()) {
            try {
                if (!client.resources(Backup.class).inNamespace(ns).withName(child).delete().isEmpty()) {
                    deleted++;
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        if (plan.truncate() != null) {
            ObjectNode patch = Json.JSON.createObjectNode();
            patch.putObject("spec").put("logTruncateUntil", plan.truncate().until());
            client.resources(Backup.class).inNamespace(ns).withName(plan.truncate().backup())
                    .patch(MERGE, Json.JSON.writeValueAsString(patch));
            LOG.info("{}: truncating log backup {} until {}", key, plan.truncate().backup(), plan.truncate().until());
        }
        if (plan.statusChanged() && !refused) {
            // A refused Backup is owed still: nothing is recorded, and the schedule looks again in a minute.
            writeStatus(s, plan.status());
        }
        events.say(s, plan.notes());
        if (created > 0) {
            metrics.created(ns, name, created);
        }
        if (deleted > 0) {
            metrics.deleted(ns, name, deleted);
            LOG.info("{}: deleted {} Backup(s) out of retention: {}", key, deleted, plan.delete());
        }
        metrics.schedule(ns, name, plan.lastRun(), plan.nextRun(), plan.invalid());
        return Optional.ofNullable(refused ? clock.instant().plusSeconds(60) : plan.requeueAt());
    }

    private enum Created { CREATED, ADOPTED, REFUSED }

    private Created create(BackupSchedule s, Backup b) {
        String ns = b.getMetadata().getNamespace();
        String name = b.getMetadata().getName();
        try {
            client.resources(Backup.class).inNamespace(ns).resource(b).create();
            LOG.info("{}/{}: created Backup {}", ns, s.getMetadata().getName(), name);
            return Created.CREATED;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                Backup existing = client.resources(Backup.class).inNamespace(ns).withName(name).get();
                if (existing != null && ownedBy(existing, s)) {
                    return Created.ADOPTED; // made before a crash took the status write
                }
                events.record(s, "Warning", "BackupNameTaken", "Backup " + name + " exists and is not this schedule's;"
                        + " the run is not made while it does");
                return Created.REFUSED;
            }
            if (e.getCode() == 403 || e.getCode() == 422 || e.getCode() == 400) {
                // An admission webhook (brguard's own, for one) or the schema refused the Backup: say why, retry later.
                String why = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
                events.record(s, "Warning", "BackupRefused", "Backup " + name + " was refused: " + why);
                LOG.warn("{}/{}: Backup {} was refused: {}", ns, s.getMetadata().getName(), name, why);
                return Created.REFUSED;
            }
            throw e;
        }
    }

    /**
     * Writes the status fields brguard owns onto the latest schedule, through the status subresource with its
     * resourceVersion (a conflict reads it again), so what another writer put in the status stays as it is.
     */
    private void writeStatus(BackupSchedule s, BackupScheduleStatus status) {
        var resource = client.resources(BackupSchedule.class).inNamespace(s.getMetadata().getNamespace())
                .withName(s.getMetadata().getName());
        BackupSchedule current = s;
        for (int attempt = 1; ; attempt++) {
            BackupSchedule copy = Json.JSON.convertValue(current, BackupSchedule.class);
            BackupScheduleStatus st = copy.getStatus() == null ? new BackupScheduleStatus() : copy.getStatus();
            st.setLastBackup(status.getLastBackup());
            st.setLastBackupTime(status.getLastBackupTime());
            st.setLogBackup(status.getLogBackup());
            st.setLogBackupStartTs(status.getLogBackupStartTs());
            st.setAllBackupCleanTime(status.getAllBackupCleanTime());
            copy.setStatus(st);
            try {
                client.resources(BackupSchedule.class).inNamespace(s.getMetadata().getNamespace()).resource(copy).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return;
                }
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
                current = resource.get();
                if (current == null) {
                    return;
                }
            }
        }
    }

    /** A Backup this schedule made: its owner reference names the schedule's uid. */
    static boolean ownedBy(Backup b, BackupSchedule s) {
        List<OwnerReference> refs = b.getMetadata().getOwnerReferences();
        if (refs == null) {
            return false;
        }
        for (OwnerReference r : refs) {
            if (BackupSchedule.KIND.equals(r.getKind()) && r.getUid() != null && r.getUid().equals(s.getMetadata().getUid())) {
                return true;
            }
        }
        return false;
    }

    /** The key a child reports to: its namespace and the schedule its label names. */
    public static String scheduleKey(Backup b) {
        Map<String, String> labels = b.getMetadata().getLabels();
        String schedule = labels == null ? null : labels.get(ScheduledBackups.SCHEDULE_LABEL);
        return schedule == null ? null : Specs.namespace(b) + "/" + schedule;
    }
}
