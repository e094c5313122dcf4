package io.brguard.webhook;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Lookup;
import io.brguard.policy.Lookups;
import io.brguard.policy.RestoreIndex;
import io.brguard.policy.SecretKeys;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.model.LogSubCommandStatus;
import io.brguard.policy.model.Restore;
import io.brguard.policy.model.RestoreStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The webhook's lookups against the cluster. Backups come from an informer that lists in pages and keeps only
 * what the rules read, in a {@link BackupIndex} ({@link CompactBackupStore}); Restores from another that keeps only
 * the cluster each restores into and its phase ({@link CompactRestoreStore}). Secrets are never listed or cached
 * whole: a rule that needs one (CREATE, or an update that changes the spec) reads that one Secret with a GET and
 * keeps its key names for a few seconds ({@link SecretKeyReader}); an update that leaves the spec as it is, most of
 * what Argo CD and Flux send, needs no lookup at all. Until the Backup cache has synced, every Backup lookup
 * answers "unknown", which the webhook turns into an error, never an allow.
 */
public final class ClusterLookups implements Lookups, WebhookServer.CacheState, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLookups.class);
    /** Backups per list page: the initial list is never one unbounded response. */
    public static final long PAGE = 500;

    /**
     * The JSON reading of the webhook's API client: object metadata without managedFields and annotations, and a
     * Backup's status without conditions, progresses and retries. These are most of the bytes of an Argo
     * CD-managed Backup (the last-applied annotation is a second copy of the object) and nothing brguard reads:
     * skipped by the parser, they are never built, so a page of the informer's list costs a fraction of its size.
     * Writing (Events) is unchanged.
     */
    public static KubernetesSerialization serialization() {
        JsonMapper mapper = JsonMapper.builder()
                .addMixIn(ObjectMeta.class, LeanMeta.class)
                .addMixIn(BackupStatus.class, LeanStatus.class)
                .addMixIn(LogSubCommandStatus.class, LeanSubStatus.class)
                .addMixIn(RestoreStatus.class, LeanRestoreStatus.class)
                .build();
        return new KubernetesSerialization(mapper, true);
    }

    @JsonIgnoreProperties(value = {"managedFields", "annotations"}, allowGetters = true, ignoreUnknown = true)
    private interface LeanMeta {
    }

    @JsonIgnoreProperties(value = {"conditions", "progresses", "backoffRetryStatus"}, allowGetters = true, ignoreUnknown = true)
    private interface LeanStatus {
    }

    @JsonIgnoreProperties(value = {"conditions"}, allowGetters = true, ignoreUnknown = true)
    private interface LeanSubStatus {
    }

    @JsonIgnoreProperties(value = {"conditions", "progresses"}, allowGetters = true, ignoreUnknown = true)
    private interface LeanRestoreStatus {
    }

    private final SharedIndexInformer<Backup> informer;
    private final CompactBackupStore store = new CompactBackupStore();
    private final SharedIndexInformer<Restore> restoreInformer;
    private final CompactRestoreStore restoreStore = new CompactRestoreStore();
    private final AtomicReference<String> restoreError = new AtomicReference<>();
    private final SecretKeyReader secrets;
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<String> dead = new AtomicReference<>();
    private volatile boolean closing;

    public ClusterLookups(KubernetesClient client, Clock clock) {
        this(client, clock, Duration.ofSeconds(10));
    }

    ClusterLookups(KubernetesClient client, Clock clock, Duration secretTtl) {
        this.secrets = new SecretKeyReader(client, clock, secretTtl, 1024);
        this.informer = client.resources(Backup.class).inAnyNamespace().withLimit(PAGE).runnableInformer(0)
                .itemStore(store)
                .exceptionHandler(this::retry);
        this.restoreInformer = client.resources(Restore.class).inAnyNamespace().withLimit(PAGE).runnableInformer(0)
                .itemStore(restoreStore)
                .exceptionHandler(this::retryRestores);
    }

    /**
     * The Restore cache serves warnings only, so it is not a condition of readiness: a cluster without the Restore
     * CRD (or a cache that cannot list) leaves every Backup decision as it is, and the Restore rules that read
     * other Restores say nothing until it has synced. Its errors are logged once per distinct cause, as for Backups.
     */
    private boolean retryRestores(boolean started, Throwable t) {
        if (t instanceof Error) {
            return false;
        }
        String cause = describe(t);
        if (!Objects.equals(restoreError.getAndSet(cause), cause)) {
            LOG.warn("the Restore cache cannot {} from the API server, retrying: {}", started ? "watch" : "list", cause);
        }
        return true;
    }

    /**
     * Exceptions are retried with the informer's back-off, and logged once per distinct cause, so a cluster that
     * cannot be reached says so once and not at every retry. An Error (OutOfMemoryError) stops the informer:
     * {@link #dead()} then reports it and /healthz fails, so the kubelet restarts the pod.
     */
    private boolean retry(boolean started, Throwable t) {
        String cause = describe(t);
        if (t instanceof Error) {
            return false;
        }
        if (!Objects.equals(lastError.getAndSet(cause), cause)) {
            LOG.warn("the Backup cache cannot {} from the API server, retrying: {}", started ? "watch" : "list", cause);
        }
        return true;
    }

    /** Starts the informer; the future completes once the cache holds a full list. */
    public CompletableFuture<Void> start() {
        informer.stopped().whenComplete((v, t) -> {
            if (!closing) {
                String why = t == null ? "the informer stopped" : describe(t);
                dead.set(why);
                LOG.error("the Backup cache stopped and will not recover; /healthz now fails: {}", why);
            }
        });
        restoreInformer.start().whenComplete((v, t) -> {
            if (t == null) {
                LOG.info("the Restore cache has synced: {} Restores", restoreStore.size());
                restoreError.set(null);
            }
        });
        return informer.start().toCompletableFuture().whenComplete((v, t) -> {
            if (t == null) {
                LOG.info("the Backup cache has synced: {} Backups", store.size());
                lastError.set(null);
            }
        });
    }

    public void awaitSynced(long timeout, TimeUnit unit) throws Exception {
        start().get(timeout, unit);
    }

    @Override
    public boolean synced() {
        return informer.hasSynced() && dead.get() == null;
    }

    @Override
    public String dead() {
        return dead.get();
    }

    @Override
    public String notReadyReason() {
        String error = lastError.get();
        return "the Backup cache has not synced" + (error == null ? "" : ": " + error);
    }

    @Override
    public Lookup<SecretKeys> secret(String namespace, String name) {
        return secrets.get(namespace, name);
    }

    @Override
    public Lookup<BackupIndex> backups() {
        if (!synced()) {
            return Lookup.unknown("the Backup cache has not synced yet");
        }
        return Lookup.found(store.index());
    }

    @Override
    public Lookup<RestoreIndex> restores() {
        if (!restoreInformer.hasSynced()) {
            return Lookup.unknown("the Restore cache has not synced yet");
        }
        return Lookup.found(restoreStore.index());
    }

    /** The cached Backups as the rules read them, at most {@code limit}, in key order (the background audit). */
    public java.util.List<tools.jackson.databind.node.ObjectNode> backupTrees(int limit) {
        return store.trees(limit);
    }

    /** The cache itself (tests, the background audit). */
    CompactBackupStore store() {
        return store;
    }

    /** The informer itself (tests). */
    SharedIndexInformer<Backup> informer() {
        return informer;
    }

    /** The Restore cache itself (tests). */
    CompactRestoreStore restoreStore() {
        return restoreStore;
    }

    @Override
    public void close() {
        closing = true;
        informer.close();
        restoreInformer.close();
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }
}
