package io.brguard.controller;

import io.brguard.policy.Specs;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.model.CleanProgress;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reconciles one Backup: reads it and its Jobs from the caches, plans ({@link Planner}, pure), fetches the storage
 * facts the plan asks for, and applies the plan in a crash-safe order: finalizer, Jobs, status, then marking Jobs
 * observed. A crash between any two steps is repaired by the next pass, and a Job is never created twice: names are
 * deterministic and an existing Job is always seen first.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final KubernetesClient client;
    private final Planner planner;
    private final BackupJobs jobs;
    private final AzureStorage azure;
    private final StatusWriter statusWriter;
    private final Clock clock;
    private final Function<String, Backup> backups;
    private final Function<String, List<Job>> jobsOf;
    private final int cleanPageSize;
    private final SecretReader secrets;
    private final ClusterReader clusters;
    /** Found clusters and ServiceAccounts, kept as briefly as Secrets; a missing one is asked for every time. */
    private final ShortCache<ClusterReader.Result> topologies;
    private final ShortCache<Boolean> serviceAccounts;
    private final Set<String> notOurs = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Set<String> standingDown = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Reconciler(KubernetesClient client, Planner planner, BackupJobs jobs, AzureStorage azure, Clock clock,
                      Function<String, Backup> backups, Function<String, List<Job>> jobsOf, int cleanPageSize) {
        this.client = client;
        this.planner = planner;
        this.jobs = jobs;
        this.azure = azure;
        this.statusWriter = new StatusWriter(client);
        this.clock = clock;
        this.backups = backups;
        this.jobsOf = jobsOf;
        this.cleanPageSize = cleanPageSize;
        this.secrets = new SecretReader(client, clock, Duration.ofSeconds(10));
        this.clusters = new ClusterReader(client);
        this.topologies = new ShortCache<>(clock, Duration.ofSeconds(10));
        this.serviceAccounts = new ShortCache<>(clock, Duration.ofSeconds(10));
    }

    /** Reconciles the Backup with key namespace/name; returns when to look again, if ever. */
    public Optional<Duration> reconcile(String key) {
        Backup b = backups.apply(key);
        if (b == null || b.getSpec() == null) {
            return Optional.empty();
        }
        String writer = OtherControllers.statusWriter(b.getMetadata());
        if (writer != null) {
            // Another controller carries this Backup out (TiDB Operator, whose status writes show in managedFields):
            // brguard is never a second actor on it. Said once per Backup and counted.
            if (standingDown.add(b.getMetadata().getUid() == null ? key : b.getMetadata().getUid())) {
                LOG.warn("standing down on Backup {}: its status is written by {}; brguard runs no Job for it", key, writer);
            }
            return Optional.empty();
        }
        if (!azure(b)) {
            // Another controller's Backup: no status write, no Job, no finalizer; said once per Backup.
            if (notOurs.add(b.getMetadata().getUid() == null ? key : b.getMetadata().getUid())) {
                LOG.info("leaving {} alone: it stores to {}, and brguard's controller runs Azure Blob Storage Backups only",
                        key, storage(b));
            }
            return Optional.empty();
        }
        Map<String, Job> byName = new HashMap<>();
        for (Job j : jobsOf.apply(key)) {
            byName.put(j.getMetadata().getName(), j);
        }
        Access access = new Access(b);
        Planner.Facts facts = Planner.Facts.none();
        Planner.Plan plan = planner.plan(b, byName, facts, clock.instant());
        for (int round = 0; plan.needsFacts() && round < 4; round++) {
            facts = fetch(access, plan.needs(), facts);
            plan = planner.plan(b, byName, facts, clock.instant());
        }
        if (plan.needsFacts()) {
            throw new IllegalStateException("planning " + key + " still needs " + plan.needs());
        }
        apply(b, access, plan, facts.prerequisites() == null ? null : facts.prerequisites().topology());
        return Optional.ofNullable(plan.requeueAfter());
    }

    /** Backups left alone because another controller writes their status. */
    public int standingDown() {
        return standingDown.size();
    }

    /** An Azure Backup, or one that names no storage at all (the preflight fails it with a reason). */
    static boolean azure(Backup b) {
        var spec = b.getSpec();
        return spec.getAzblob() != null || (spec.getS3() == null && spec.getGcs() == null && spec.getLocal() == null);
    }

    private static String storage(Backup b) {
        var spec = b.getSpec();
        return spec.getS3() != null ? "S3" : spec.getGcs() != null ? "GCS" : "a local volume";
    }

    /** The Backup's Secret and Azure credentials, read once per pass and only when needed. */
    private final class Access {
        final Backup b;
        Secret secret;
        boolean secretRead;

        Access(Backup b) {
            this.b = b;
        }

        Secret secret() {
            if (!secretRead) {
                String name = b.getSpec().getAzblob() == null ? null : b.getSpec().getAzblob().getSecretName();
                secret = name == null || name.isEmpty() ? null : secrets.get(Specs.namespace(b), name);
                secretRead = true;
            }
            return secret;
        }

        Set<String> keys() {
            Secret s = secret();
            Set<String> keys = new HashSet<>();
            if (s != null && s.getData() != null) {
                keys.addAll(s.getData().keySet());
            }
            if (s != null && s.getStringData() != null) {
                keys.addAll(s.getStringData().keySet());
            }
            return keys;
        }

        AzureStorage.Credentials credentials() {
            Map<String, String> values = new HashMap<>();
            Secret s = secret();
            if (s != null && s.getData() != null) {
                s.getData().forEach((k, v) -> values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
            }
            if (s != null && s.getStringData() != null) {
                values.putAll(s.getStringData());
            }
            return AzureStorage.Credentials.from(b.getSpec().getAzblob().getStorageAccount(),
                    b.getSpec().getAzblob().getSasToken(), values);
        }

        Specs.AzureLocation location() {
            return Specs.location(b).orElseThrow(() -> new IllegalStateException("no azblob location"));
        }
    }

    private Planner.Facts fetch(Access a, Set<Planner.Need> needs, Planner.Facts f) {
        AzureStorage.Preflight preflight = f.preflight();
        Optional<BackupMetaFile> meta = f.meta();
        Optional<Long> checkpoint = f.checkpoint();
        Long remaining = f.remainingBlobs();
        Boolean jobExists = f.jobExists();
        if (needs.contains(Planner.Need.JOB_EXISTS)) {
            jobExists = client.batch().v1().jobs().inNamespace(Specs.namespace(a.b))
                    .withName(BrCommand.SNAPSHOT.jobName(Specs.name(a.b))).get() != null;
        }
        if (needs.contains(Planner.Need.PREFLIGHT)) {
            preflight = preflight(a);
        }
        if (needs.contains(Planner.Need.META)) {
            meta = azure.backupMeta(a.credentials(), a.location());
        }
        if (needs.contains(Planner.Need.CHECKPOINT)) {
            try {
                checkpoint = azure.logCheckpoint(a.credentials(), a.location());
            } catch (RuntimeException e) {
                LOG.warn("cannot read the log checkpoint of {}: {}", Specs.nsName(a.b), e.getMessage());
                checkpoint = Optional.empty();
            }
        }
        if (needs.contains(Planner.Need.REMAINING_BLOBS)) {
            remaining = azure.anyBlob(a.credentials(), a.location()) ? 1L : 0L;
        }
        Planner.Prerequisites prerequisites = f.prerequisites();
        if (needs.contains(Planner.Need.PREREQUISITES)) {
            prerequisites = prerequisites(a.b);
        }
        return new Planner.Facts(preflight, meta, checkpoint, remaining, jobExists, prerequisites);
    }

    /** The cluster the Backup names, then the Job's ServiceAccount (TiDB Operator's default tidb-backup-manager). */
    private Planner.Prerequisites prerequisites(Backup b) {
        ClusterReader.Result cluster = Specs.cluster(b).map(ref -> topologies.get(Specs.namespace(b) + "/" + ref.name(),
                () -> clusters.read(b), r -> r instanceof ClusterReader.Result.Found)).orElseGet(() -> clusters.read(b));
        if (cluster instanceof ClusterReader.Result.Missing m) {
            return Planner.Prerequisites.missing(m.reason(), m.message());
        }
        ClusterTopology topology = ((ClusterReader.Result.Found) cluster).topology();
        String ns = Specs.namespace(b);
        String sa = jobs.serviceAccount(b);
        if (serviceAccounts.get(ns + "/" + sa, () -> client.serviceAccounts().inNamespace(ns).withName(sa).get() == null ? null : true) == null) {
            return Planner.Prerequisites.missing("ServiceAccountNotFound", "ServiceAccount " + ns + "/" + sa + " not found: the "
                    + "Backup's Jobs run as it (spec.serviceAccount, default " + BackupJobs.DEFAULT_SERVICE_ACCOUNT
                    + "); create it in the Backup's namespace");
        }
        return Planner.Prerequisites.ready(topology);
    }

    private AzureStorage.Preflight preflight(Access a) {
        if (Specs.location(a.b).isEmpty()) {
            return new AzureStorage.Preflight(false, "InvalidSpec", "spec.azblob.container is required");
        }
        String secretName = a.b.getSpec().getAzblob().getSecretName();
        if (secretName != null && !secretName.isEmpty() && a.secret() == null) {
            return new AzureStorage.Preflight(false, "SecretNotFound", "Secret " + Specs.namespace(a.b) + "/" + secretName
                    + " not found");
        }
        AzureStorage.Credentials creds;
        try {
            creds = a.credentials();
        } catch (IllegalArgumentException e) {
            return new AzureStorage.Preflight(false, "InvalidCredentials", e.getMessage());
        }
        return azure.preflight(creds, a.location(), !Specs.isLog(a.b.getSpec()));
    }

    private void apply(Backup b, Access access, Planner.Plan plan, ClusterTopology topology) {
        String ns = Specs.namespace(b);
        Backup current = b;
        for (Planner.Action action : plan.actions()) {
            if (action instanceof Planner.Action.AddFinalizer) {
                current = client.resources(Backup.class).inNamespace(ns).withName(Specs.name(b)).edit(x -> {
                    List<String> fin = x.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(x.getMetadata().getFinalizers());
                    if (!fin.contains(Planner.FINALIZER)) {
                        fin.add(Planner.FINALIZER);
                    }
                    x.getMetadata().setFinalizers(fin);
                    return x;
                });
            } else if (action instanceof Planner.Action.CreateJob c) {
                if (topology == null) {
                    throw new IllegalStateException("a Job for " + Specs.nsName(b) + " without its cluster's topology");
                }
                Job job = jobs.job(current, c.command(), access.keys(), topology);
                Secret sas = BackupJobs.sasSecret(current);
                if (sas != null) { // the Job's --storage reads the token from it
                    client.secrets().inNamespace(ns).resource(sas).createOr(NonDeletingOperation::update);
                }
                try {
                    client.batch().v1().jobs().inNamespace(ns).resource(job).create();
                    LOG.info("created Job {}/{}", ns, job.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    // already exists: a pass before a restart created it; the cache will show it
                }
            } else if (action instanceof Planner.Action.DeleteJob d) {
                client.batch().v1().jobs().inNamespace(ns).withName(d.name())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            }
        }
        if (plan.status() != null) {
            Backup written = statusWriter.write(current, plan.status());
            if (written == null) {
                return;
            }
            current = written;
        }
        for (Planner.Action action : plan.actions()) {
            if (action instanceof Planner.Action.MarkObserved m) {
                client.batch().v1().jobs().inNamespace(ns).withName(m.jobName()).edit(j -> {
                    Map<String, String> ann = j.getMetadata().getAnnotations() == null ? new HashMap<>()
                            : new HashMap<>(j.getMetadata().getAnnotations());
                    ann.put(BackupJobs.ANNOTATION_OBSERVED, "true");
                    j.getMetadata().setAnnotations(ann);
                    return j;
                });
            } else if (action instanceof Planner.Action.CleanPage) {
                AzureStorage.CleanPage page = azure.deletePage(access.credentials(), access.location(), cleanPageSize);
                BackupStatus s = Planner.copy(current.getStatus());
                CleanProgress p = s.getCleanProgress() == null ? new CleanProgress() : s.getCleanProgress();
                p.setDeletedBlobs((p.getDeletedBlobs() == null ? 0 : p.getDeletedBlobs()) + page.deleted());
                p.setLastUpdated(clock.instant().toString());
                s.setCleanProgress(p);
                Backup w = statusWriter.write(current, s);
                current = w == null ? current : w;
                LOG.info("cleanup of {}: {} blobs deleted so far", Specs.nsName(b), p.getDeletedBlobs());
            } else if (action instanceof Planner.Action.RemoveFinalizer) {
                client.resources(Backup.class).inNamespace(ns).withName(Specs.name(b)).edit(x -> {
                    List<String> fin = x.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(x.getMetadata().getFinalizers());
                    fin.remove(Planner.FINALIZER);
                    x.getMetadata().setFinalizers(fin);
                    return x;
                });
            }
        }
    }
}
