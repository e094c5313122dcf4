package io.brguard.controller.schedule;

import io.brguard.policy.model.BackupSchedule;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Events on a BackupSchedule, each condition said once: v2's BackupSchedule status has no conditions (the API
 * server would prune one), so {@code kubectl describe backupschedule} shows why through Events, and the log says it
 * once too. A condition is said again only after it went away and came back.
 */
final class ScheduleEvents {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleEvents.class);
    private final KubernetesClient client;
    private final Clock clock;
    /** The conditions said for each schedule (by uid), so each is said once. */
    private final Map<String, java.util.Set<String>> said = new ConcurrentHashMap<>();

    ScheduleEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Says the notes not said yet, and forgets the conditions that are gone, so they can be said again. */
    void say(BackupSchedule s, java.util.List<SchedulePlanner.Note> notes) {
        String uid = s.getMetadata().getUid() == null ? s.getMetadata().getName() : s.getMetadata().getUid();
        java.util.Set<String> before = said.computeIfAbsent(uid, k -> ConcurrentHashMap.newKeySet());
        java.util.Set<String> now = new java.util.HashSet<>();
        for (SchedulePlanner.Note n : notes) {
            now.add(n.key());
            if (before.add(n.key())) {
                String line = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName() + ": " + n.message();
                if (n.type().equals("Warning")) {
                    LOG.warn("{} ({})", line, n.reason());
                } else {
                    LOG.info("{} ({})", line, n.reason());
                }
                record(s, n.type(), n.reason(), n.message());
            }
        }
        before.retainAll(now);
    }

    void forget(String uid) {
        said.remove(uid);
    }

    /** An Event on the schedule; a failure to record one is logged, never fatal. */
    void record(BackupSchedule s, String type, String reason, String message) {
        String ns = s.getMetadata().getNamespace();
        String name = s.getMetadata().getName();
        try {
            String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant());
            client.v1().events().inNamespace(ns).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(ns)
                    .withName(name + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                    .withNewInvolvedObject().withApiVersion(BackupSchedule.API_VERSION).withKind(BackupSchedule.KIND)
                    .withNamespace(ns).withName(name).withUid(s.getMetadata().getUid()).endInvolvedObject()
                    .withType(type).withReason(reason)
                    .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).withEventTime(new MicroTime(now))
                    .withReportingComponent("brguard-controller").withReportingInstance(host())
                    .withAction("Reconcile").withNewSource().withComponent("brguard-controller").endSource()
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warn("could not record an Event on {}/{}: {}", ns, name, e.getMessage());
        }
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        return h == null ? "brguard-controller" : h;
    }
}
