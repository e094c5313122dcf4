package io.brguard.controller;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static io.brguard.controller.BackupControllerTest.await;
import static io.brguard.controller.BackupControllerTest.snapshot;
import static io.brguard.controller.BackupControllerTest.unique;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * S3, GCS and local Backups belong to another controller: no status, no finalizer, no Job. Nothing is written for
 * them, so the test needs a Backup reconciled after the S3 one to know the controller has been there: a controller
 * with one worker takes keys in the order its informer saw them, and the marker names no storage, which the
 * preflight fails without reaching Azure. A class of its own, with an API server holding only its Backups: on
 * BackupControllerTest's shared one it waited behind the retries of the Backups earlier tests leave there, and
 * behind the mock server's stalls when a test closes its watches (its event loop waits in
 * WatchEventsListener.onClosed for a send that needs the event loop, until the send gives up after 30 s).
 */
@EnableKubernetesMockClient(crud = true)
class OtherStorageTest {
    static KubernetesClient client;

    @Test
    void leavesBackupsOnOtherStorageAlone() throws Exception {
        MockCluster.install(client);
        BackupController controller = new BackupController(client, new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager"),
                // never called: neither Backup reaches Azure
                new AzureStorage(AzureStorage.Endpoint.AZURE, Duration.ofSeconds(1)),
                new Planner(new Planner.Settings(Duration.ofMillis(300), Duration.ofSeconds(5), Duration.ofSeconds(1))),
                Clock.systemUTC(), 1, 3);
        try {
            controller.start(Duration.ofSeconds(60));
            String name = unique("s3");
            client.resources(Backup.class).inNamespace("test1").resource(Json.toBackup(Fixtures.yaml("""
                    apiVersion: br.pingcap.com/v1alpha1
                    kind: Backup
                    metadata: {name: %s, namespace: test1}
                    spec:
                      br: {cluster: demo1}
                      s3: {provider: aws, bucket: my-bucket, prefix: my-folder, region: us-west-2}
                    """.formatted(name)))).create();
            String marker = unique("nostorage");
            Backup later = snapshot(marker, marker);
            later.getSpec().setAzblob(null);
            client.resources(Backup.class).inNamespace("test1").resource(later).create();
            await(() -> {
                Backup m = client.resources(Backup.class).inNamespace("test1").withName(marker).get();
                return m.getStatus() != null && "Failed".equals(m.getStatus().getPhase()) ? m : null;
            }, "the marker failed by the preflight (the worker has passed the S3 Backup)");
            Backup s3 = client.resources(Backup.class).inNamespace("test1").withName(name).get();
            assertNull(s3.getStatus(), "no status written");
            assertTrue(s3.getMetadata().getFinalizers() == null || s3.getMetadata().getFinalizers().isEmpty(), "no finalizer");
            assertNull(client.batch().v1().jobs().inNamespace("test1").withName("backup-" + name).get(), "no Job");
        } finally {
            controller.close();
        }
    }
}
