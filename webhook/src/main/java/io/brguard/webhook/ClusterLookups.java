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

import io.brguard.policy.Json;

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

    /** How often, past the budget, the Backups are counted again to see whether a cache would fit. */
    static final Duration RECOUNT = Duration.ofMinutes(5);

    /** What the webhook needs of its heap beside the Backup cache (see {@link #budgetFor}). */
    static final long BESIDE_THE_CACHE = 80L << 20;

    /** The default budget of the Backup cache for this JVM's heap ({@link #budgetFor}). */
    public static long defaultBudgetBytes() {
        return budgetFor(Runtime.getRuntime().maxMemory());
    }

    /**
     * The default budget of the Backup cache for a heap: the heap less 80 MiB, and at least 30% of it. Beside the
     * cache the webhook holds about 42 MiB of its own (the live heap with 100 Backups), up to 12 MiB of request
     * bodies with their trees while they are judged, and needs room for the collector (docs/benchmarks.md, scale).
     * With the Deployment's 96 MiB heap that is 30%, about 29 MiB (some 20,600 Argo CD-managed Backups as {@link
     * CompactBackupStore#estimate} counts them, measured); with 144 MiB, 64 MiB (46,000); with 320 MiB, 240 MiB
     * (173,000): the rows of the sizing table in docs/operations.md.
     */
    public static long budgetFor(long heapBytes) {
        return Math.max(heapBytes * 3 / 10, heapBytes - BESIDE_THE_CACHE);
    }

    /** The heap the cache counts for a Backup whose spec is {@code specBytes} of compact JSON. */
    public static long estimatedBytes(int specBytes) {
        return CompactBackupStore.estimate(specBytes);
    }

    /** One informer and the store it fills; replaced when the cache is rebuilt after it went past its budget. */
    private final class Cache {
        final CompactBackupStore store;
        final SharedIndexInformer<Backup> informer;
        volatile boolean closing;

        Cache() {
            this.store = new CompactBackupStore(budgetBytes, () -> overBudget(this));
            this.informer = client.resources(Backup.class).inAnyNamespace().withLimit(PAGE).runnableInformer(0)
                    .itemStore(store)
                    .exceptionHandler(ClusterLookups.this::retry);
        }
    }

    private final KubernetesClient client;
    private final long budgetBytes;
    private volatile Cache cache;
    private final SharedIndexInformer<Restore> restoreInformer;
    private final CompactRestoreStore restoreStore = new CompactRestoreStore();
    private final AtomicReference<String> restoreError = new AtomicReference<>();
    private final SecretKeyReader secrets;
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<String> dead = new AtomicReference<>();
    /** Why cross-object rules are not checked now (the cache is past its budget), or null. */
    private volatile String overBudget;
    private volatile int backupsSeen;
    private final CompletableFuture<Void> firstSync = new CompletableFuture<>();
    private final java.util.concurrent.ScheduledExecutorService recount = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "brguard-backup-cache-budget");
                t.setDaemon(true);
                return t;
            });
    private volatile boolean closing;

    public ClusterLookups(KubernetesClient client, Clock clock) {
        this(client, clock, defaultBudgetBytes());
    }

    /** @param budgetBytes the heap the Backup cache may take (estimated); past it cross-object rules go unchecked */
    public ClusterLookups(KubernetesClient client, Clock clock, long budgetBytes) {
        this(client, clock, Duration.ofSeconds(10), budgetBytes);
    }

    ClusterLookups(KubernetesClient client, Clock clock, Duration secretTtl) {
        this(client, clock, secretTtl, defaultBudgetBytes());
    }

    ClusterLookups(KubernetesClient client, Clock clock, Duration secretTtl, long budgetBytes) {
        this.client = client;
        this.budgetBytes = budgetBytes;
        this.secrets = new SecretKeyReader(client, clock, secretTtl, 1024);
        this.cache = new Cache();
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

    /**
     * Starts the informer; the future completes once the cache holds a full list, or once it went past its budget
     * (the webhook then serves without it).
     */
    public CompletableFuture<Void> start() {
        restoreInformer.start().whenComplete((v, t) -> {
            if (t == null) {
                LOG.info("the Restore cache has synced: {} Restores", restoreStore.size());
                restoreError.set(null);
            }
        });
        start(cache);
        return firstSync;
    }

    private void start(Cache c) {
        c.informer.stopped().whenComplete((v, t) -> {
            if (!closing && !c.closing) {
                String why = t == null ? "the informer stopped" : describe(t);
                dead.set(why);
                LOG.error("the Backup cache stopped and will not recover; /healthz now fails: {}", why);
            }
        });
        c.informer.start().toCompletableFuture().whenComplete((v, t) -> {
            if (t == null && !c.closing) {
                LOG.info("the Backup cache has synced: {} Backups", c.store.size());
                lastError.set(null);
                if (overBudget != null) {
                    LOG.info("the Backup cache fits its budget again: cross-object rules are checked again");
                }
                overBudget = null;
                firstSync.complete(null);
            }
        });
    }

    /*
     * Past the budget the process would run out of heap (with -XX:+ExitOnOutOfMemoryError it exits at start, and
     * with failurePolicy Fail every Backup write is blocked while it restarts): instead the cache is dropped, the
     * webhook keeps deciding by every rule that needs no other Backup, and the cross-object rules are reported as
     * not checked. Every few minutes the Backups are counted page by page; when a cache would fit with a tenth to
     * spare it is built again.
     */
    private void overBudget(Cache c) {
        backupsSeen = c.store.keptWhenOver();
        recount.execute(() -> {
            if (cache != c || c.closing) {
                return;
            }
            overBudget = overBudgetReason();
            LOG.error("{}: cross-object rules are not checked until it fits (brguard_backup_cache_over_budget); "
                    + "counting again every {} min. Give the webhook more heap (-Xmx) or --backup-cache-budget",
                    overBudget, RECOUNT.toMinutes());
            c.closing = true;
            c.informer.close();
            firstSync.complete(null);
            recount.schedule(this::recount, RECOUNT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        });
    }

    /** Counts the Backups' estimated size page by page; builds the cache again when it would fit with a tenth spare. */
    void recount() {
        if (closing) {
            return;
        }
        long bytes = 0;
        int n = 0;
        try {
            String next = null;
            do {
                var page = client.resources(Backup.class).inAnyNamespace().list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                        .withLimit(PAGE).withContinue(next).build());
                for (Backup b : page.getItems()) {
                    bytes += CompactBackupStore.estimate(Json.JSON.writeValueAsBytes(b.getSpec()).length);
                    n++;
                }
                next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
            } while (next != null && !next.isEmpty() && bytes <= budgetBytes);
        } catch (RuntimeException e) {
            LOG.warn("could not count the Backups to see whether the cache fits its budget: {}", describe(e));
            recount.schedule(this::recount, RECOUNT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        }
        backupsSeen = n;
        if (bytes > budgetBytes * 9 / 10) {
            recount.schedule(this::recount, RECOUNT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        }
        LOG.info("{} Backups ({} MiB estimated) fit the cache's budget of {} MiB again: building it", n, bytes >> 20,
                budgetBytes >> 20);
        Cache c = new Cache();
        cache = c;
        start(c);
    }

    public void awaitSynced(long timeout, TimeUnit unit) throws Exception {
        start().get(timeout, unit);
    }

    @Override
    public boolean synced() {
        return dead.get() == null && (overBudget != null || cache.informer.hasSynced());
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

    /** Why cross-object rules are not checked now, or null: the cache is past its budget. */
    @Override
    public String degraded() {
        return overBudget();
    }

    /**
     * Why the cache cannot answer, or null. The store marks itself past its budget before it gives its entries back
     * and tells this class on another thread: between the two it is empty, and an empty index would pass every
     * cross-object rule, so the store's own mark counts at once.
     */
    private String overBudget() {
        String over = overBudget;
        if (over == null && cache.store.over()) {
            over = overBudgetReason();
        }
        return over;
    }

    private String overBudgetReason() {
        return "the Backup cache is over its budget (" + (budgetBytes >> 20) + " MiB)";
    }

    @Override
    public Lookup<SecretKeys> secret(String namespace, String name) {
        return secrets.get(namespace, name);
    }

    @Override
    public Lookup<BackupIndex> backups() {
        String over = overBudget();
        if (over != null) {
            return Lookup.unknown(over);
        }
        if (!synced()) {
            return Lookup.unknown("the Backup cache has not synced yet");
        }
        return Lookup.found(cache.store.index());
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
        String over = overBudget();
        if (over != null) {
            // An empty list would be published as "no findings": the audit skips the cycle instead.
            throw new IllegalStateException(over + "; the background audit waits until it fits");
        }
        return cache.store.trees(limit);
    }

    /** The cache's gauges: Backups kept, their estimated heap, the budget, and whether it is past it. */
    public void bind(io.micrometer.core.instrument.MeterRegistry registry) {
        io.micrometer.core.instrument.Gauge.builder("brguard.backup.cache.backups", this, l -> l.overBudget != null
                ? l.backupsSeen : l.cache.store.size()).description("Backups in the cluster as the webhook's cache "
                + "knows them (past the budget: as last counted)").register(registry);
        io.micrometer.core.instrument.Gauge.builder("brguard.backup.cache.bytes", this, l -> l.cache.store.bytes())
                .baseUnit("bytes").description("the heap the Backup cache takes, estimated").register(registry);
        io.micrometer.core.instrument.Gauge.builder("brguard.backup.cache.budget", this, l -> l.budgetBytes)
                .baseUnit("bytes").description("the heap the Backup cache may take (--backup-cache-budget)").register(registry);
        io.micrometer.core.instrument.Gauge.builder("brguard.backup.cache.over.budget", this, l -> l.overBudget == null ? 0 : 1)
                .description("1 while the Backup cache is past its budget and cross-object rules are not checked")
                .register(registry);
    }

    /** The cache itself (tests, the background audit). */
    CompactBackupStore store() {
        return cache.store;
    }

    /** The informer itself (tests). */
    SharedIndexInformer<Backup> informer() {
        return cache.informer;
    }

    /** The Restore cache itself (tests). */
    CompactRestoreStore restoreStore() {
        return restoreStore;
    }

    @Override
    public void close() {
        closing = true;
        recount.shutdownNow();
        cache.informer.close();
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
