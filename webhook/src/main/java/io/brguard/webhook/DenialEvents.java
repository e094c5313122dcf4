package io.brguard.webhook;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A Warning Event on the object (a Backup or a BackupSchedule) when a real (not dry-run) UPDATE is denied, so
 * `kubectl describe` shows why a GitOps sync keeps failing. Sent off the request path on a small bounded queue; when it is full, events are
 * dropped (the audit log still has every decision) rather than slowing admission.
 */
public final class DenialEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DenialEvents.class);
    private final KubernetesClient client;
    private final Clock clock;
    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(100), r -> {
                Thread t = new Thread(r, "brguard-events");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    public DenialEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void denied(JsonNode oldObject, String message) {
        event(oldObject, "AdmissionDenied", message);
    }

    /** A Warning Event on the object (its kind as it says), recorded off the request path. */
    public void event(JsonNode object, String reason, String message) {
        JsonNode meta = object.path("metadata");
        String ns = meta.path("namespace").asString("default");
        String name = meta.path("name").asString("");
        String uid = meta.path("uid").asString(null);
        String kind = object.path("kind").asString("Backup");
        executor.execute(() -> {
            try {
                String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant());
                client.v1().events().inNamespace(ns).resource(new EventBuilder()
                        .withNewMetadata().withNamespace(ns)
                        .withName(name + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                        .withNewInvolvedObject().withApiVersion("br.pingcap.com/v1alpha1").withKind(kind)
                        .withNamespace(ns).withName(name).withUid(uid).endInvolvedObject()
                        .withType("Warning").withReason(reason)
                        .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
                        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                        .withEventTime(new MicroTime(now))
                        .withReportingComponent("brguard-webhook").withReportingInstance(hostname())
                        .withAction("Update").withNewSource().withComponent("brguard-webhook").endSource()
                        .build()).create();
            } catch (RuntimeException e) {
                LOG.warn("could not record the Event on {}/{}: {}", LogText.quoted(ns), LogText.quoted(name), LogText.quoted(e.getMessage()));
            }
        });
    }

    private static String hostname() {
        String h = System.getenv("HOSTNAME");
        return h == null ? "brguard-webhook" : h;
    }

    /** Waits for queued events (tests, shutdown). */
    public void drain(long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while ((executor.getActiveCount() > 0 || !executor.getQueue().isEmpty()) && System.currentTimeMillis() < end) {
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
