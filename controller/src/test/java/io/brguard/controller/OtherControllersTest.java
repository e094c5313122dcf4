package io.brguard.controller;

import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.Json;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Backup executor never races TiDB Operator v2: it is found by its leader Lease (cmd/tidb-operator/main.go
 * LeaderElectionID c6a50700.pingcap.com) and, per Backup, by its status writes in managedFields.
 */
@EnableKubernetesMockClient(crud = true)
class OtherControllersTest {
    static KubernetesClient client;

    @Test
    void findsTiDbOperatorByItsLeaderLeaseInAnyNamespace() {
        assertEquals(Optional.empty(), OtherControllers.operatorLease(client));
        client.leases().inNamespace("tidb-admin").resource(new LeaseBuilder().withNewMetadata().withName("c6a50700.pingcap.com")
                .withNamespace("tidb-admin").endMetadata().withNewSpec().withHolderIdentity("tidb-operator-5f7c").endSpec().build()).create();
        client.leases().inNamespace("brguard").resource(new LeaseBuilder().withNewMetadata().withName("brguard-controller")
                .withNamespace("brguard").endMetadata().build()).create();
        assertEquals(Optional.of("tidb-admin/c6a50700.pingcap.com (held by tidb-operator-5f7c)"), OtherControllers.operatorLease(client));
    }

    @Test
    void aStatusWrittenByAnotherManagerIsAnotherController() {
        Backup b = new Backup();
        assertNull(OtherControllers.statusWriter(b.getMetadata()));
        b.getMetadata().setManagedFields(List.of(
                new ManagedFieldsEntryBuilder().withManager("argocd-controller").withOperation("Apply").build(),
                new ManagedFieldsEntryBuilder().withManager("brguard-controller").withOperation("Update").withSubresource("status").build()));
        assertNull(OtherControllers.statusWriter(b.getMetadata()), "Argo CD applies the spec; brguard's own status writes");
        b.getMetadata().setManagedFields(List.of(
                new ManagedFieldsEntryBuilder().withManager("tidb-operator").withOperation("Update").withSubresource("status").build()));
        assertEquals("tidb-operator", OtherControllers.statusWriter(b.getMetadata()));
    }

    /** A Backup TiDB Operator carries out gets no Job, no finalizer and no status from brguard's executor. */
    @Test
    void theExecutorLeavesABackupTiDbOperatorCarriesOutAlone() throws Exception {
        client.apiextensions().v1().customResourceDefinitions().resource(client.apiextensions().v1().customResourceDefinitions()
                .load(Fixtures.path("manifests/crd/backups.br.pingcap.com.yaml").toFile()).item()).create();
        Backup b = Json.toBackup(Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml"));
        b.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("tidb-operator")
                .withOperation("Update").withSubresource("status").withApiVersion("br.pingcap.com/v1alpha1").build()));
        client.resources(Backup.class).inNamespace("test1").resource(b).create();
        ControllerMetrics metrics = new ControllerMetrics();
        try (BackupController c = new BackupController(client, new BackupJobs("pingcap/br:v8.5.0", "tidb-backup-manager"),
                new AzureStorage(new AzureStorage.Endpoint("http://127.0.0.1:1/{account}"), Duration.ofSeconds(1)),
                new Planner(new Planner.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1))),
                Clock.systemUTC(), 1, 10, metrics)) {
            c.start(Duration.ofSeconds(30));
            long end = System.currentTimeMillis() + 10_000;
            while (!metrics.scrape().contains("brguard_controller_stood_down{kind=\"Backup\"} 1.0") && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            assertTrue(metrics.scrape().contains("brguard_controller_stood_down{kind=\"Backup\"} 1.0"), metrics.scrape());
        }
        Backup after = client.resources(Backup.class).inNamespace("test1").withName("demo1-full-backup-azblob").get();
        assertNull(after.getStatus(), "no status written");
        assertTrue(after.getMetadata().getFinalizers() == null || after.getMetadata().getFinalizers().isEmpty(), "no finalizer");
        assertEquals(0, client.batch().v1().jobs().inNamespace("test1").list().getItems().size(), "no Job");
    }
}
