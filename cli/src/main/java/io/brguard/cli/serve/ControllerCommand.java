package io.brguard.cli.serve;

import io.brguard.certs.CertPolicy;
import io.brguard.controller.AzureStorage;
import io.brguard.controller.BackupController;
import io.brguard.controller.BackupJobs;
import io.brguard.controller.LeaderElection;
import io.brguard.controller.Planner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code brguard controller}: carries out accepted Backups as BR Jobs, with Lease leader election. */
@Command(name = "controller", mixinStandardHelpOptions = true, versionProvider = io.brguard.cli.Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Carry out Backups as BR Jobs, keep their status, preflight and clean up Azure storage.",
                "Only for clusters without TiDB Operator's own backup controller (the standalone install).",
                "Kubernetes config comes from the in-cluster service account or KUBECONFIG."})
public final class ControllerCommand implements Callable<Integer> {

    @Option(names = "--br-image", defaultValue = "pingcap/br:v8.5.0",
            description = "BR image when a Backup sets no spec.toolImage: its repository with the cluster's TiKV "
                    + "version as the tag, as given when the TiKVGroup names no version (default: ${DEFAULT-VALUE})")
    String brImage;

    @Option(names = "--service-account", defaultValue = "tidb-backup-manager",
            description = "service account of the Job pods when spec.serviceAccount is empty (default: ${DEFAULT-VALUE})")
    String serviceAccount;

    @Option(names = "--azure-endpoint", defaultValue = "https://{account}.blob.core.windows.net",
            description = "blob endpoint template (default: ${DEFAULT-VALUE})")
    String azureEndpoint;

    @Option(names = "--workers", defaultValue = "2", description = "reconcile workers (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--checkpoint-interval", defaultValue = "1m", description = "how often logCheckpointTs is refreshed (default: ${DEFAULT-VALUE})")
    String checkpointInterval;

    @Option(names = "--clean-page-size", defaultValue = "500", description = "blobs deleted per cleanup step (default: ${DEFAULT-VALUE})")
    int cleanPageSize;

    @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "hold a Lease so that only one replica acts (default: ${DEFAULT-VALUE})")
    boolean leaderElection;

    @Option(names = "--lease-namespace", defaultValue = "brguard", description = "default: ${DEFAULT-VALUE}")
    String leaseNamespace;

    @Override
    public Integer call() throws Exception {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(
                io.fabric8.kubernetes.client.Config.autoConfigure(null)).withRequestRetryBackoffLimit(0).build()).build();
        // Nothing works without the API server: say so once per try, instead of a stack trace after two minutes.
        ApiServerWatch.awaitReachable("brguard controller", client.getMasterUrl().toString(), client::getKubernetesVersion,
                System.err, Duration.ofSeconds(1), Duration.ofSeconds(30), ApiServerWatch.Sleeper.REAL);
        BackupController controller = new BackupController(client, new BackupJobs(brImage, serviceAccount),
                new AzureStorage(new AzureStorage.Endpoint(azureEndpoint), Duration.ofSeconds(60)),
                new Planner(new Planner.Settings(CertPolicy.parse(checkpointInterval), Duration.ofMinutes(1), Duration.ofSeconds(30))),
                Clock.systemUTC(), workers, cleanPageSize);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controller.close();
            client.close();
            stop.countDown();
        }));
        Runnable begin = () -> {
            try {
                controller.start(Duration.ofMinutes(2));
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
}
