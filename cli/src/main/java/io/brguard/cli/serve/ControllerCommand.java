package io.brguard.cli.serve;

import io.brguard.certs.CertPolicy;
import io.brguard.controller.AzureStorage;
import io.brguard.controller.BackupController;
import io.brguard.controller.BackupJobs;
import io.brguard.controller.ControllerMetrics;
import io.brguard.controller.HealthServer;
import io.brguard.controller.LeaderElection;
import io.brguard.controller.OtherControllers;
import io.brguard.controller.Planner;
import io.brguard.controller.schedule.ScheduleController;
import io.brguard.controller.schedule.SchedulePlanner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code brguard controller}: carries out what TiDB Operator v2 does not, BackupSchedules, and never acts on an
 * object another controller acts on. Backups themselves are TiDB Operator's: only with --run-backups, and only
 * while no TiDB Operator v2 is found, does it run their BR Jobs too.
 */
@Command(name = "controller", mixinStandardHelpOptions = true, versionProvider = io.brguard.cli.Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Carry out BackupSchedules (TiDB Operator v2 has no controller for them): scheduled snapshot",
                "Backups, retention, and the schedule's log backup, truncated to the oldest snapshot kept.",
                "With --run-backups, also run Backups as BR Jobs, where no TiDB Operator v2 runs.",
                "Kubernetes config comes from the in-cluster service account or KUBECONFIG."})
public final class ControllerCommand implements Callable<Integer> {

    @Option(names = "--run-backups", description = "also carry out Backups as BR Jobs (standalone clusters only: TiDB "
            + "Operator v2 reconciles every Backup, and brguard stands down when it finds the operator's Lease "
            + OtherControllers.OPERATOR_LEASE + ")")
    boolean runBackups;

    @Option(names = "--schedule-time-zone", paramLabel = "ZONE", description = "the zone cron fields are read in "
            + "(TiDB Operator v1 read them in its own local zone; default: the process's, from TZ)")
    String scheduleZone;

    @Option(names = "--health-port", defaultValue = "8080", description = "plain HTTP port of /healthz, /readyz and "
            + "/metrics; 0 for none (default: ${DEFAULT-VALUE})")
    int healthPort;

    @Option(names = "--br-image", defaultValue = "pingcap/br:v8.5.0",
            description = "with --run-backups: BR image when a Backup sets no spec.toolImage: its repository with the "
                    + "cluster's TiKV version as the tag (default: ${DEFAULT-VALUE})")
    String brImage;

    @Option(names = "--service-account", defaultValue = "tidb-backup-manager",
            description = "with --run-backups: service account of the Job pods when spec.serviceAccount is empty (default: ${DEFAULT-VALUE})")
    String serviceAccount;

    @Option(names = "--azure-endpoint", defaultValue = "https://{account}.blob.core.windows.net",
            description = "with --run-backups: blob endpoint template (default: ${DEFAULT-VALUE})")
    String azureEndpoint;

    @Option(names = "--workers", defaultValue = "2", description = "reconcile workers (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--checkpoint-interval", defaultValue = "1m", description = "with --run-backups: how often "
            + "logCheckpointTs is refreshed (default: ${DEFAULT-VALUE})")
    String checkpointInterval;

    @Option(names = "--clean-page-size", defaultValue = "500", description = "with --run-backups: blobs deleted per "
            + "cleanup step (default: ${DEFAULT-VALUE})")
    int cleanPageSize;

    @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "hold a Lease so that only one replica acts (default: ${DEFAULT-VALUE})")
    boolean leaderElection;

    @Option(names = "--lease-namespace", defaultValue = "brguard", description = "default: ${DEFAULT-VALUE}")
    String leaseNamespace;

    @Override
    public Integer call() throws Exception {
        ZoneId zone = scheduleZone == null ? ZoneId.systemDefault() : ZoneId.of(scheduleZone);
        String version = getClass().getPackage().getImplementationVersion();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(
                io.fabric8.kubernetes.client.Config.autoConfigure(null)).withRequestRetryBackoffLimit(0)
                // The API server names a writer's field manager after its user agent: brguard's writes are told
                // apart from TiDB Operator's by it (OtherControllers).
                .withUserAgent(OtherControllers.FIELD_MANAGER + "/" + (version == null ? "dev" : version)).build()).build();
        // Nothing works without the API server: say so once per try, instead of a stack trace after two minutes.
        ApiServerWatch.awaitReachable("brguard controller", client.getMasterUrl().toString(), client::getKubernetesVersion,
                System.err, Duration.ofSeconds(1), Duration.ofSeconds(30), ApiServerWatch.Sleeper.REAL);
        ControllerMetrics metrics = new ControllerMetrics();
        ScheduleController schedules = new ScheduleController(client, new SchedulePlanner(zone), Clock.systemUTC(), metrics, workers);
        AtomicReference<BackupController> backups = new AtomicReference<>();
        AtomicBoolean leading = new AtomicBoolean(!leaderElection);
        AtomicBoolean started = new AtomicBoolean();
        HealthServer health = healthPort == 0 ? null : new HealthServer(healthPort,
                () -> new HealthServer.Probe(true, "ok"),
                () -> !leading.get() ? new HealthServer.Probe(true, "standby: waiting for the Lease " + leaseNamespace + "/brguard-controller")
                        : started.get() && schedules.synced() && (backups.get() == null || backups.get().synced())
                        ? new HealthServer.Probe(true, "ok") : new HealthServer.Probe(false, "caches not synced yet"),
                metrics);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            schedules.close();
            Optional.ofNullable(backups.get()).ifPresent(BackupController::close);
            if (health != null) {
                health.close();
            }
            client.close();
            stop.countDown();
        }));
        Runnable begin = () -> {
            leading.set(true);
            metrics.leader(true);
            try {
                schedules.start(Duration.ofMinutes(2));
                if (runBackups) {
                    backups.set(startBackups(client, metrics));
                }
                started.set(true);
            } catch (Exception e) {
                System.err.println("brguard controller: could not start: " + e.getMessage());
                System.exit(1);
            }
        };
        if (leaderElection) {
            String identity = System.getenv().getOrDefault("HOSTNAME", "brguard-" + UUID.randomUUID());
            LeaderElection.run(client, leaseNamespace, "brguard-controller", identity, begin, () -> {
                System.err.println("brguard controller: lost the lease; exiting so that a single leader acts");
                System.exit(1);
            });
        } else {
            begin.run();
        }
        stop.await();
        return 0;
    }

    /**
     * The Backup executor, unless TiDB Operator v2 runs here: it reconciles every Backup, and brguard is never a
     * second actor. Said in one line and in brguard_controller_stood_down{kind="Backup"}.
     */
    private BackupController startBackups(KubernetesClient client, ControllerMetrics metrics) throws Exception {
        Optional<String> operator = OtherControllers.operatorLease(client);
        if (operator.isPresent()) {
            System.err.println("brguard controller: --run-backups, but TiDB Operator v2 runs here (Lease " + operator.get()
                    + "): it carries out every Backup, so brguard runs BackupSchedules only");
            metrics.stoodDown(io.brguard.policy.model.Backup.KIND, 1);
            return null;
        }
        BackupController c = new BackupController(client, new BackupJobs(brImage, serviceAccount),
                new AzureStorage(new AzureStorage.Endpoint(azureEndpoint), Duration.ofSeconds(60)),
                new Planner(new Planner.Settings(CertPolicy.parse(checkpointInterval), Duration.ofMinutes(1), Duration.ofSeconds(30))),
                Clock.systemUTC(), workers, cleanPageSize, metrics);
        c.start(Duration.ofMinutes(2));
        System.err.println("brguard controller: running Backups as BR Jobs (--run-backups; no TiDB Operator v2 found)");
        return c;
    }
}
