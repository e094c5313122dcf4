package io.brguard.controller;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;

/**
 * For bench/controller/run-process.sh: the fabric8 CRUD mock API server as a process of its own, holding brguard's
 * CRD, test1/azblob-secret and N snapshot Backups, so that `brguard controller` can run (and be measured) as a
 * separate process. Writes a kubeconfig, prints READY, then ALL_SCHEDULED <epoch ms> once every Backup is
 * Scheduled. Arguments: N, Azurite port, kubeconfig path.
 */
public final class MockApiServerMain {
    /* The mock web server logs every request at INFO; at thousands of requests that is the mock's own cost. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) throws Exception {
        if (System.getenv("MOCK_LOG") == null) MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        int n = Integer.parseInt(args[0]);
        int azurite = Integer.parseInt(args[1]);
        Path kubeconfig = Path.of(args[2]);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        KubernetesClient client = server.createClient();
        MockCluster.install(client);
        var container = new BlobServiceClientBuilder().endpoint("http://127.0.0.1:" + azurite + "/" + Azurite.ACCOUNT)
                .credential(new StorageSharedKeyCredential(Azurite.ACCOUNT, Azurite.KEY)).buildClient()
                .getBlobContainerClient("my-container");
        if (!container.exists()) {
            container.create();
        }
        Backup seed = Json.toBackup(Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml"));
        for (int i = 0; i < n; i++) {
            Backup b = Json.copy(seed);
            b.getMetadata().setName("bench-" + i);
            b.getSpec().getAzblob().setPrefix("bench/" + i);
            client.resources(Backup.class).inNamespace("test1").resource(b).create();
        }
        MockCluster.writeKubeconfig(kubeconfig, client, "test1");
        System.out.println("READY");
        System.out.flush();
        long done = MockCluster.awaitScheduled(client, n, Duration.ofMinutes(5));
        if (done < 0) {
            System.out.println("TIMEOUT");
            System.exit(1);
        }
        System.out.println("ALL_SCHEDULED " + (System.currentTimeMillis() - (System.nanoTime() - done) / 1_000_000));
        System.out.flush();
        Thread.sleep(2000);
        System.exit(0);
    }
}
