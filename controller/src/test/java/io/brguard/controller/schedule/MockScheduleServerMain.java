package io.brguard.controller.schedule;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.testing.MergePatch;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For bench/controller/schedules.sh: the fabric8 CRUD mock API server as a process of its own, holding brguard's
 * CRDs and N BackupSchedules spread over M namespaces, all firing every minute, so that `brguard controller` can
 * run as a separate process and be measured. Writes a kubeconfig, prints READY, then TICK &lt;epoch ms&gt; (the first
 * minute boundary after the schedules were made, when every one of them is due) and ALL_CREATED &lt;epoch ms&gt; once
 * the Backup of that run exists for every schedule. Arguments: N, M, kubeconfig path.
 */
public final class MockScheduleServerMain {
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) throws Exception {
        if (System.getenv("MOCK_LOG") == null) {
            MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        }
        int n = Integer.parseInt(args[0]);
        int namespaces = Integer.parseInt(args[1]);
        Path kubeconfig = Path.of(args[2]);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        KubernetesClient client = server.createClient();
        for (String crd : List.of("manifests/crd/backups.br.pingcap.com.yaml", "manifests/crd/backupschedules.br.pingcap.com.yaml")) {
            CustomResourceDefinition c = client.apiextensions().v1().customResourceDefinitions().load(Fixtures.path(crd).toFile()).item();
            client.apiextensions().v1().customResourceDefinitions().resource(c).create();
        }
        var base = MergePatch.apply(Fixtures.object("examples/schedules/integrated-backup-schedule-azblob.yaml"),
                Fixtures.yaml("{spec: {schedule: '* * * * *', maxBackups: 3, maxReservedTime: null, logBackupTemplate: null}}"));
        for (int ns = 0; ns < namespaces; ns++) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace(ns)).endMetadata().build()).create();
        }
        // The schedules are made early in a minute, so the controller starts and syncs before the next one, when
        // they are all first due: without anyone completing the Backups, only a schedule's first run is made.
        while (Instant.now().atZone(java.time.ZoneOffset.UTC).getSecond() > 5) {
            Thread.sleep(200);
        }
        for (int i = 0; i < n; i++) {
            BackupSchedule s = Json.toSchedule(base);
            s.getMetadata().setName("bench-" + i);
            s.getMetadata().setNamespace(namespace(i % namespaces));
            s.getSpec().getBackupTemplate().getAzblob().setPrefix("bench/" + i);
            client.resources(BackupSchedule.class).inNamespace(s.getMetadata().getNamespace()).resource(s).create();
        }
        Instant tick = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        io.brguard.controller.MockCluster.writeKubeconfig(kubeconfig, client, null);
        System.out.println("READY");
        System.out.println("TICK " + tick.toEpochMilli());
        System.out.flush();
        String suffix = io.brguard.policy.schedule.ScheduledBackups.NAME_TIME.format(tick);
        Set<String> made = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(1);
        long[] at = {-1};
        try (var watch = client.resources(Backup.class).inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Backup b) {
                if (action == Action.ADDED && b.getMetadata().getName().endsWith(suffix)) {
                    made.add(b.getMetadata().getNamespace() + "/" + b.getMetadata().getName());
                    if (made.size() >= n && at[0] < 0) {
                        at[0] = System.currentTimeMillis();
                        all.countDown();
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                all.countDown();
            }
        })) {
            if (!all.await(tick.toEpochMilli() - System.currentTimeMillis() + 120_000, TimeUnit.MILLISECONDS) || at[0] < 0) {
                System.out.println("TIMEOUT " + made.size());
                System.exit(1);
            }
        }
        System.out.println("ALL_CREATED " + at[0]);
        System.out.flush();
        Thread.sleep(2000);
        System.exit(0);
    }

    private static String namespace(int i) {
        return "team-%02d".formatted(i);
    }
}
