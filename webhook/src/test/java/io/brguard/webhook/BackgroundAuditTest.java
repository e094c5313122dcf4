package io.brguard.webhook;

import io.brguard.policy.Json;
import io.brguard.policy.Policy;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The background audit on the fabric8 CRUD mock: findings appear and disappear, the PolicyReport, one writer. */
@EnableKubernetesMockClient(crud = true)
class BackgroundAuditTest {
    static KubernetesClient client;
    static ClusterLookups lookups;

    @BeforeAll
    static void cluster() throws Exception {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(Fixtures.path("manifests/crd/backups.br.pingcap.com.yaml").toFile()).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        client.load(new java.io.ByteArrayInputStream("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: policyreports.wgpolicyk8s.io}
                spec:
                  group: wgpolicyk8s.io
                  scope: Namespaced
                  names: {kind: PolicyReport, listKind: PolicyReportList, plural: policyreports, singular: policyreport}
                  versions:
                  - name: v1alpha2
                    served: true
                    storage: true
                    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                """.getBytes(java.nio.charset.StandardCharsets.UTF_8))).items().forEach(o -> client.resource(o).create());
        // Two log backups of demo1 (one too many) and a snapshot whose Secret does not exist yet.
        Backup first = Json.toBackup(Fixtures.object("examples/seed/log/01-start.yaml"));
        Backup second = Json.toBackup(Fixtures.object("examples/seed/log/01-start.yaml"));
        second.getMetadata().setName("demo1-log-second");
        second.getSpec().getAzblob().setPrefix("second-log");
        Backup snapshot = Json.toBackup(Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml"));
        snapshot.getSpec().getAzblob().setSecretName("later-secret");
        for (Backup b : List.of(first, second, snapshot)) {
            client.resources(Backup.class).inNamespace("test1").resource(b).create();
        }
        client.secrets().inNamespace("test1").resource(new SecretBuilder().withNewMetadata().withName("azblob-secret")
                .withNamespace("test1").endMetadata().withStringData(Map.of("AZURE_STORAGE_ACCOUNT", "a", "AZURE_STORAGE_KEY", "k"))
                .build()).create();
        lookups = new ClusterLookups(client, Clock.systemUTC());
        lookups.awaitSynced(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        lookups.close();
    }

    @Test
    void findingsAppearAndDisappearInTheMetricTheEventsAndThePolicyReport() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DenialEvents events = new DenialEvents(client, Clock.systemUTC());
        BackgroundAudit audit = new BackgroundAudit(client, () -> lookups.backupTrees(10_000), lookups,
                PolicySource.fixed(new Policy()), events, registry, Clock.systemUTC());
        List<BackgroundAudit.Finding> found = audit.runOnce();
        assertEquals(List.of("cross.one-log-per-cluster", "cross.one-log-per-cluster", "secret.missing"),
                found.stream().map(BackgroundAudit.Finding::rule).sorted().toList(), found.toString());
        assertTrue(registry.scrape().contains("brguard_backup_findings{mode=\"Enforce\",namespace=\"test1\",rule=\"secret.missing\"} 1.0"),
                registry.scrape());
        events.drain(5_000);
        assertTrue(client.v1().events().inNamespace("test1").list().getItems().stream()
                .anyMatch(e -> "PolicyViolation".equals(e.getReason()) && e.getMessage().contains("secret.missing")
                        && "demo1-full-backup-azblob".equals(e.getInvolvedObject().getName())));
        GenericKubernetesResource report = client.genericKubernetesResources(BackgroundAudit.POLICY_REPORTS).inNamespace("test1")
                .withName("brguard").get();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) report.getAdditionalProperties().get("results");
        assertEquals(3, results.size());
        assertEquals(Map.of("pass", 0, "fail", 3, "warn", 0, "error", 0, "skip", 0), report.getAdditionalProperties().get("summary"));
        Map<String, Object> missing = results.stream().filter(r -> "secret.missing".equals(r.get("rule"))).findFirst().orElseThrow();
        assertEquals("fail", missing.get("result"));
        assertEquals("brguard", missing.get("source"));
        assertEquals(List.of(Map.of("apiVersion", "br.pingcap.com/v1alpha1", "kind", "Backup", "namespace", "test1",
                "name", "demo1-full-backup-azblob")), missing.get("resources"));

        // The Secret appears: its finding goes, from the metric and the report.
        client.secrets().inNamespace("test1").resource(new SecretBuilder().withNewMetadata().withName("later-secret")
                .withNamespace("test1").endMetadata().withStringData(Map.of("AZURE_STORAGE_ACCOUNT", "a", "AZURE_STORAGE_KEY", "k"))
                .build()).create();
        Thread.sleep(11_000); // the Secret lookups are kept 10 s
        List<BackgroundAudit.Finding> after = audit.runOnce();
        assertEquals(2, after.size(), after.toString());
        assertTrue(registry.scrape().contains("brguard_backup_findings{mode=\"Enforce\",namespace=\"test1\",rule=\"secret.missing\"} 0.0"));
        GenericKubernetesResource updated = client.genericKubernetesResources(BackgroundAudit.POLICY_REPORTS).inNamespace("test1")
                .withName("brguard").get();
        assertEquals(Map.of("pass", 1, "fail", 2, "warn", 0, "error", 0, "skip", 0), updated.getAdditionalProperties().get("summary"));
    }

    @Test
    void onlyOneReplicaWrites() throws Exception {
        PolicySource policies = PolicySource.fixed(new Policy());
        try (BackgroundAudit a = new BackgroundAudit(client, () -> lookups.backupTrees(10), lookups, policies, null,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()).start("brguard", "pod-a", Duration.ofHours(1));
             BackgroundAudit b = new BackgroundAudit(client, () -> lookups.backupTrees(10), lookups, policies, null,
                     new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()).start("brguard", "pod-b", Duration.ofHours(1))) {
            long end = System.currentTimeMillis() + 20_000;
            while (!(a.leading() || b.leading()) && System.currentTimeMillis() < end) {
                Thread.sleep(100);
            }
            Thread.sleep(3_000);
            assertTrue(a.leading() ^ b.leading(), "exactly one holds the Lease: a " + a.leading() + ", b " + b.leading());
            assertTrue(client.leases().inNamespace("brguard").withName("brguard-audit").get() != null);
        }
    }

    @Test
    void anOffRuleAndAnExemptNamespaceAreNotAudited() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("policy", ".yaml");
        java.nio.file.Files.writeString(f, "apiVersion: brguard.io/v1alpha1\nkind: PolicyConfig\n"
                + "enforcement: {rules: {cross.one-log-per-cluster: Warn, secret.missing: Off}}\n");
        BackgroundAudit audit = new BackgroundAudit(client, () -> lookups.backupTrees(10_000), lookups, PolicySource.file(f),
                null, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC());
        assertTrue(audit.judge().stream().allMatch(x -> x.rule().equals("cross.one-log-per-cluster") && x.mode().equals("Warn")));
        assertEquals("warn", ((List<?>) BackgroundAudit.report("test1", audit.judge(), 3, 0).getAdditionalProperties().get("results"))
                .stream().map(r -> ((Map<?, ?>) r).get("result")).distinct().findFirst().orElseThrow());
        java.nio.file.Files.writeString(f, "apiVersion: brguard.io/v1alpha1\nkind: PolicyConfig\nexemptions: {namespaces: [test1]}\n");
        assertEquals(List.of(), new BackgroundAudit(client, () -> lookups.backupTrees(10_000), lookups, PolicySource.file(f),
                null, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()).judge());
    }
}
