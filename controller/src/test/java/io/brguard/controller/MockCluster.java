package io.brguard.controller;

import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.brguard.policy.model.Backup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Prepares the fabric8 CRUD mock API for controller tests: brguard's CRD, and test1/azblob-secret for Azurite. */
public final class MockCluster {

    private MockCluster() {
    }

    /**
     * A kubeconfig for `brguard controller` run as a process against the mock server (the benchmarks' mains), with
     * {@code namespace} as its context's namespace when not null.
     */
    public static void writeKubeconfig(java.nio.file.Path file, KubernetesClient client, String namespace)
            throws java.io.IOException {
        java.nio.file.Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: bench
                  user: {token: bench}
                contexts:
                - name: mock
                  context: {cluster: mock, user: bench%s}
                current-context: mock
                """.formatted(client.getConfiguration().getMasterUrl(), namespace == null ? "" : ", namespace: " + namespace));
    }

    static void install(KubernetesClient client) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(Fixtures.path("manifests/crd/backups.br.pingcap.com.yaml").toFile()).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        for (HasMetadata core : client.load(MockCluster.class.getResourceAsStream("/core-pingcap-crds.yaml")).items()) {
            client.resource(core).create();
        }
        // The v2 clusters the Backups name, and the ServiceAccount their Jobs run as (the seed asks the user for it).
        for (HasMetadata o : client.load(MockCluster.class.getResourceAsStream("/v2-clusters.yaml")).items()) {
            client.genericKubernetesResources(context(o.getKind())).inNamespace("test1")
                    .resource((io.fabric8.kubernetes.api.model.GenericKubernetesResource) o).create();
        }
        client.serviceAccounts().inNamespace("test1").resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata().withName(BackupJobs.DEFAULT_SERVICE_ACCOUNT).withNamespace("test1").endMetadata().build()).create();
        secret(client, "azblob-secret", Azurite.KEY);
    }

    static io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext context(String kind) {
        return switch (kind) {
            case "Cluster" -> ClusterReader.CLUSTERS;
            case "PDGroup" -> ClusterReader.PD_GROUPS;
            case "TiKVGroup" -> ClusterReader.TIKV_GROUPS;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static void secret(KubernetesClient client, String name, String key) {
        client.secrets().inNamespace("test1").resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace("test1").endMetadata().withStringData(Map.of("AZURE_STORAGE_ACCOUNT", Azurite.ACCOUNT,
                        "AZURE_STORAGE_KEY", key)).build()).create();
    }

    /**
     * Waits until n Backups in test1 are Scheduled and returns when that happened (System.nanoTime()), or -1 on
     * timeout. The benchmarks use a watch, not a poll: listing 1,000 Backups ten times a second cost the mock API
     * server (the thing being waited on) more CPU than the controller's own writes.
     */
    static long awaitScheduled(KubernetesClient client, int n, Duration timeout) throws InterruptedException {
        Set<String> scheduled = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(1);
        long[] at = {-1};
        var list = client.resources(Backup.class).inNamespace("test1").list();
        list.getItems().forEach(b -> count(b, scheduled));
        if (scheduled.size() >= n) {
            return System.nanoTime();
        }
        try (var watch = client.resources(Backup.class).inNamespace("test1")
                .withResourceVersion(list.getMetadata().getResourceVersion()).watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Backup b) {
                        count(b, scheduled);
                        if (scheduled.size() >= n && at[0] < 0) {
                            at[0] = System.nanoTime();
                            all.countDown();
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        all.countDown();
                    }
                })) {
            return all.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? at[0] : -1;
        }
    }

    private static void count(Backup b, Set<String> scheduled) {
        if (b.getStatus() != null && "Scheduled".equals(b.getStatus().getPhase())) {
            scheduled.add(b.getMetadata().getName());
        }
    }
}
