package io.brguard.cli.serve;

import io.brguard.certs.CertFiles;
import io.brguard.certs.CertPolicy;
import io.brguard.certs.Rotation;
import io.brguard.certs.Rotator;
import io.brguard.cli.check.Inputs;
import io.brguard.cli.check.Source;
import io.brguard.policy.DocumentLookups;
import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Manifests;
import io.brguard.policy.Policy;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.model.Backup;
import io.brguard.webhook.AuditLog;
import io.brguard.webhook.DenialEvents;
import io.brguard.webhook.ClusterLookups;
import io.brguard.webhook.TlsReloader;
import io.brguard.webhook.WebhookServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code brguard webhook}: the admission webhook, in-cluster or (with --dev) against YAML files. */
@Command(name = "webhook", mixinStandardHelpOptions = true, versionProvider = io.brguard.cli.Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Serve the validating and mutating admission webhook (POST /validate, /mutate over TLS;",
                "/healthz, /readyz, /metrics on the plain health port). Kubernetes config comes from the",
                "in-cluster service account or KUBECONFIG.",
                "--dev runs without a cluster: a self-signed certificate in certs/dev and lookups from --objects."})
public final class WebhookCommand implements Callable<Integer> {

    @Option(names = "--dev", description = "local mode: self-signed certificate, 127.0.0.1, lookups from --objects")
    boolean dev;

    @Option(names = "--objects", paramLabel = "DIR", description = "with --dev: the cluster's objects (Secrets, Backups)")
    List<Path> objects = new ArrayList<>();

    @Option(names = "--tls-dir", defaultValue = "/etc/brguard/tls", paramLabel = "DIR",
            description = "folder with tls.crt and tls.key, reloaded when they change (default: ${DEFAULT-VALUE})")
    Path tlsDir;

    @Option(names = "--host", description = "address to listen on (default: 0.0.0.0, with --dev 127.0.0.1)")
    String host;

    @Option(names = "--port", defaultValue = "8443", description = "TLS port for admission (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--health-port", defaultValue = "8080", description = "plain port for probes and metrics (default: ${DEFAULT-VALUE})")
    int healthPort;

    @Option(names = "--audit-file", paramLabel = "FILE", description = "also append audit lines to this file")
    Path auditFile;

    @Option(names = "--audit-when-behind", defaultValue = "answer", paramLabel = "answer|refuse", description = "when an "
            + "audit line cannot be taken (a sink fails or its queue is full): answer and count the lost line, or "
            + "refuse with HTTP 503 so that the API server applies failurePolicy (default: ${DEFAULT-VALUE}; "
            + "docs/audit-log.md)")
    String auditWhenBehind;

    @Option(names = "--pitr-guard", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "deny a logTruncateUntil past the newest Complete snapshot (default: ${DEFAULT-VALUE})")
    boolean pitrGuard;

    @Option(names = "--policy-config", paramLabel = "FILE", description = "the policy configuration (enforcement modes, "
            + "exemptions, break-glass; docs/operations.md), read again when it changes; --pitr-guard is then the file's")
    Path policyConfig;

    @Option(names = "--background-audit", defaultValue = "5m", paramLabel = "INTERVAL", description = "how often the "
            + "replica holding the Lease brguard-audit judges every cached Backup again and publishes the findings "
            + "(metric, Events, PolicyReports); 0 turns it off (default: ${DEFAULT-VALUE})")
    String backgroundAudit;

    @Option(names = "--background-audit-max", defaultValue = "10000", description = "Backups one audit cycle judges at "
            + "most (default: ${DEFAULT-VALUE})")
    int backgroundAuditMax;

    @Option(names = "--backup-cache-budget", defaultValue = "auto", paramLabel = "SIZE", description = "the heap the "
            + "Backup cache may take: a share of the heap (40%%), a size (64Mi) or auto (the heap less 80 MiB, and at "
            + "least 30%% of it); past it the cache is dropped and cross-object rules are reported as not checked "
            + "until the Backups fit (default: ${DEFAULT-VALUE})")
    String backupCacheBudget;

    @Option(names = "--no-events", description = "do not record Kubernetes Events for denied updates")
    boolean noEvents;

    @Option(names = "--shutdown-delay", defaultValue = "2s", paramLabel = "DURATION", description = "on SIGTERM, how long "
            + "to go on answering (not ready, each connection closed after its next answer) before the admission port "
            + "closes; the Deployment's preStop pause comes before it (default: ${DEFAULT-VALUE})")
    String shutdownDelay;

    @Option(names = "--shutdown-timeout", defaultValue = "15s", paramLabel = "DURATION", description = "on SIGTERM, how "
            + "long to wait for the requests in flight once the port is closed (default: ${DEFAULT-VALUE})")
    String shutdownTimeout;

    @Option(names = "--reload-interval", defaultValue = "5s", description = "how often to look for a rotated certificate (default: ${DEFAULT-VALUE})")
    String reloadInterval;

    /**
     * The API server connection: in-cluster or KUBECONFIG, with every request bounded well inside the webhook
     * configuration's timeoutSeconds (5 s), so a slow Secret GET becomes an error answer in time, not a timeout.
     */
    static Config apiConfig() {
        return new ConfigBuilder(Config.autoConfigure(null)).withConnectionTimeout(2_000).withRequestTimeout(2_500).build();
    }

    /** A size: {@code N%} of {@code whole}, or bytes with an optional Ki, Mi or Gi. */
    static long size(String text, long whole) {
        String t = text.trim();
        if (t.equals("auto")) {
            return ClusterLookups.budgetFor(whole);
        }
        try {
            if (t.endsWith("%")) {
                double share = Double.parseDouble(t.substring(0, t.length() - 1));
                if (share <= 0 || share > 100) {
                    throw new IllegalArgumentException("a share must be over 0% and at most 100%, not " + text);
                }
                return (long) (whole * share / 100);
            }
            long unit = t.endsWith("Ki") ? 1L << 10 : t.endsWith("Mi") ? 1L << 20 : t.endsWith("Gi") ? 1L << 30 : 1;
            long n = Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 2));
            if (n <= 0) {
                throw new IllegalArgumentException("must be more than 0, not " + text);
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: " + text + " (use e.g. 40%, 64Mi or auto)");
        }
    }

    @Override
    public Integer call() throws Exception {
        // Before anything logs: no stderr line may read as a JSON object, so the pod's log (stdout and stderr
        // together) has audit records as its only JSON lines.
        io.brguard.webhook.LogGuard.install();
        Clock clock = Clock.systemUTC();
        AuditLog.WhenBehind whenBehind;
        switch (auditWhenBehind) {
            case "answer" -> whenBehind = AuditLog.WhenBehind.ANSWER;
            case "refuse" -> whenBehind = AuditLog.WhenBehind.REFUSE;
            default -> {
                System.err.println("brguard webhook: --audit-when-behind must be answer or refuse, not " + auditWhenBehind);
                return 2;
            }
        }
        long cacheBudget;
        try {
            cacheBudget = size(backupCacheBudget, Runtime.getRuntime().maxMemory());
        } catch (IllegalArgumentException e) {
            System.err.println("brguard webhook: --backup-cache-budget: " + e.getMessage());
            return 2;
        }
        Duration stopDelay;
        Duration stopTimeout;
        try {
            stopDelay = io.brguard.certs.CertPolicy.parse(shutdownDelay);
            stopTimeout = io.brguard.certs.CertPolicy.parse(shutdownTimeout);
        } catch (IllegalArgumentException e) {
            System.err.println("brguard webhook: --shutdown-delay/--shutdown-timeout: " + e.getMessage());
            return 2;
        }
        io.brguard.webhook.PolicySource policies;
        try {
            policies = policyConfig == null ? io.brguard.webhook.PolicySource.fixed(new PolicyConfig(pitrGuard))
                    : io.brguard.webhook.PolicySource.file(policyConfig);
        } catch (io.brguard.policy.rollout.RolloutConfig.Invalid e) {
            System.err.println("brguard webhook: " + e.getMessage());
            return 2;
        }
        Lookups lookups;
        WebhookServer.CacheState caches;
        KubernetesClient client = null;
        ClusterLookups informers = null;
        ApiServerWatch watch = null;
        if (dev) {
            if (host == null) {
                host = "127.0.0.1";
            }
            tlsDir = Path.of("certs", "dev");
            var result = new Rotator(new CertFiles(tlsDir), b -> { }, Rotation.Served::unknown, clock,
                    CertPolicy.DEFAULT, Duration.ZERO).rotate(List.of("localhost"), List.of("127.0.0.1"), false);
            System.err.println("brguard webhook --dev: certificate in " + tlsDir.toAbsolutePath()
                    + (result.plan().isEmpty() ? " (reused)" : " (issued: " + String.join(", ", result.plan().reasons()) + ")"));
            System.err.println("brguard webhook --dev: trust the CA " + tlsDir.resolve(CertFiles.CA_CRT).toAbsolutePath()
                    + ", e.g. curl --cacert " + tlsDir.resolve(CertFiles.CA_CRT) + " https://localhost:" + port + "/validate");
            Source src = new Inputs(false).read(objects);
            if (!src.problems().isEmpty()) {
                src.problems().forEach(p -> System.err.println("brguard webhook --dev: " + p));
                return 2;
            }
            List<Backup> backups = new ArrayList<>();
            for (Manifests.Document d : src.documents()) {
                if (d.isBackup()) {
                    backups.add(Json.toBackup(d.tree()));
                }
            }
            lookups = new DocumentLookups(src.documents(), true, backups);
            caches = WebhookServer.CacheState.NONE;
        } else {
            if (host == null) {
                host = "0.0.0.0";
            }
            client = new KubernetesClientBuilder().withConfig(apiConfig())
                    .withKubernetesSerialization(ClusterLookups.serialization()).build();
            KubernetesClient probe = client;
            watch = new ApiServerWatch("brguard webhook", client.getMasterUrl().toString(), probe::getKubernetesVersion,
                    System.err, Duration.ofSeconds(1), Duration.ofSeconds(30)).start();
            informers = new ClusterLookups(client, clock, cacheBudget);
            informers.start();
            lookups = informers;
            caches = informers;
        }
        AuditLog audit = new AuditLog(AuditLog.stdout(), auditFile, whenBehind);
        DenialEvents events = dev || noEvents ? null : new DenialEvents(client, clock);
        TlsReloader tls = new TlsReloader(tlsDir, clock);
        WebhookServer server = new WebhookServer(new WebhookServer.Options(host, port, healthPort,
                io.brguard.certs.CertPolicy.parse(reloadInterval).toMillis()),
                policies, lookups, caches, tls, audit, events, clock)
                .start();
        io.brguard.webhook.CaBundleWatch caBundles = null;
        if (informers != null) {
            informers.bind(server.registry());
            // What the API server trusts, beside what this pod serves (the names the manifests and the chart use).
            caBundles = new io.brguard.webhook.CaBundleWatch(client, List.of("brguard"), List.of("brguard"), tls::serving)
                    .bind(server.registry()).start(Duration.ofMinutes(5));
        }
        io.brguard.webhook.BackgroundAudit background = null;
        Duration auditEvery = io.brguard.certs.CertPolicy.parse(backgroundAudit);
        if (!dev && !auditEvery.isZero()) {
            ClusterLookups store = informers;
            background = new io.brguard.webhook.BackgroundAudit(client, () -> store.backupTrees(backgroundAuditMax), informers,
                    policies, events, server.registry(), clock).start(System.getenv().getOrDefault("POD_NAMESPACE", "brguard"),
                    System.getenv().getOrDefault("HOSTNAME", "brguard-webhook-" + java.util.UUID.randomUUID()), auditEvery);
        }
        System.err.println("brguard webhook: admission on https://" + host + ":" + server.tlsPort()
                + ", health and metrics on http://" + host + ":" + server.healthPort());
        CountDownLatch stop = new CountDownLatch(1);
        KubernetesClient c = client;
        ClusterLookups inf = informers;
        ApiServerWatch w = watch;
        io.brguard.webhook.BackgroundAudit bg = background;
        io.brguard.webhook.CaBundleWatch cb = caBundles;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (w != null) {
                w.close();
            }
            if (bg != null) {
                bg.close();
            }
            if (cb != null) {
                cb.close();
            }
            // Every request in flight is answered before the process exits (docs/operations.md, Upgrade).
            server.drain(stopDelay, stopTimeout);
            server.close();
            audit.close();
            if (inf != null) {
                inf.close();
            }
            if (c != null) {
                c.close();
            }
            io.brguard.webhook.LogGuard.flush(2000); // its writer is a daemon thread: the last lines, before the exit
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
