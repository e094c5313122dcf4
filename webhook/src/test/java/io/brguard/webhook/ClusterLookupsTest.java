package io.brguard.webhook;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Json;
import io.brguard.policy.Lookup;
import io.brguard.policy.RestoreIndex;
import io.brguard.policy.SecretKeys;
import io.brguard.policy.Specs;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.model.LogSubCommandStatus;
import io.brguard.policy.model.Restore;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@EnableKubernetesMockClient(crud = true)
class ClusterLookupsTest {
    static KubernetesClient client;

    /**
     * The mock server's WebSocket watches can deadlock its event loop when a client closes one (onClosed waits on
     * an executor whose queued close needs that loop), which made the server's own shutdown time out on a busy
     * machine; the tests that need no watch events watch over plain HTTP, which the mock holds open quietly.
     */
    static KubernetesClient http;

    @org.junit.jupiter.api.AfterAll
    static void closeHttp() {
        http.close();
    }

    @BeforeAll
    static void crd() {
        http = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withOnlyHttpWatches(true).build()).build();
        for (String file : java.util.List.of("manifests/crd/backups.br.pingcap.com.yaml", "manifests/crd/restores.br.pingcap.com.yaml")) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                    .load(Fixtures.path(file).toFile()).item();
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
    }

    /** A mutable clock for the Secret cache's time to live. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-12-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static Backup argoManagedLogBackup(String ns, String name, String prefix) {
        Backup b = Json.toBackup(Fixtures.object("examples/seed/log/01-start.yaml"));
        b.getMetadata().setNamespace(ns);
        b.getMetadata().setName(name);
        b.getSpec().getAzblob().setPrefix(prefix);
        // What Argo CD and the API server add: a second copy of the object and field ownership.
        b.getMetadata().setAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "x".repeat(4000),
                "argocd.argoproj.io/tracking-id", "backups:br.pingcap.com/Backup:" + ns + "/" + name));
        b.getMetadata().setManagedFields(java.util.List.of(new ManagedFieldsEntryBuilder().withManager("argocd-controller")
                .withOperation("Apply").withApiVersion("br.pingcap.com/v1alpha1").build()));
        return b;
    }

    @Test
    void keepsOnlyWhatTheRulesReadOfEachBackup() throws Exception {
        client.resources(Backup.class).inNamespace("keep").resource(argoManagedLogBackup("keep", "log-1", "p1")).create();
        Backup b = client.resources(Backup.class).inNamespace("keep").withName("log-1").get();
        BackupStatus st = new BackupStatus();
        st.setPhase("Running");
        st.setCommitTs("436568622965194754");
        LogSubCommandStatus pause = new LogSubCommandStatus();
        pause.setPhase("Failed");
        pause.setConditions(java.util.List.of(new io.brguard.policy.model.BackupCondition("Failed", "True",
                "PauseLogBackupFailed", "y".repeat(2000), "2026-11-30T10:00:00Z")));
        st.setLogSubCommandStatuses(Map.of("log-pause", pause));
        b.setStatus(st);
        client.resources(Backup.class).inNamespace("keep").resource(b).updateStatus();
        try (ClusterLookups lookups = new ClusterLookups(http, Clock.systemUTC())) {
            lookups.awaitSynced(30, TimeUnit.SECONDS);
            CompactBackupStore.Entry e = lookups.store().entries()
                    .filter(x -> x.name().equals("log-1")).findFirst().orElseThrow();
            assertEquals("Running", e.phase());
            assertEquals(Map.of("log-pause", "Failed"), e.subPhases());
            String spec = new String(e.spec(), java.nio.charset.StandardCharsets.UTF_8);
            assertFalse(spec.contains("xxxx") || spec.contains("yyyy"), "no annotation or condition text is kept: " + spec);
            assertTrue(e.spec().length < 600, "the spec alone: " + e.spec().length + " bytes");
            Backup asRulesSeeIt = e.backup();
            assertEquals("p1", asRulesSeeIt.getSpec().getAzblob().getPrefix());
            assertEquals("Failed", asRulesSeeIt.getStatus().getLogSubCommandStatuses().get("log-pause").getPhase());
            assertTrue(asRulesSeeIt.getMetadata().getAnnotations() == null || asRulesSeeIt.getMetadata().getAnnotations().isEmpty());
            BackupIndex index = ((Lookup.Found<BackupIndex>) lookups.backups()).value();
            assertEquals(1, index.activeLogBackups(new Specs.ClusterRef("keep", "demo1"), "keep/other", 3).total());
        }
    }

    @Test
    void theLeanClientReadsNoManagedFieldsAnnotationsOrConditionsButWritesThem() {
        client.resources(Backup.class).inNamespace("lean").resource(argoManagedLogBackup("lean", "log-1", "p")).create();
        try (KubernetesClient lean = new KubernetesClientBuilder().withConfig(client.getConfiguration())
                .withKubernetesSerialization(ClusterLookups.serialization()).build()) {
            Backup read = lean.resources(Backup.class).inNamespace("lean").withName("log-1").get();
            assertTrue(read.getMetadata().getManagedFields() == null || read.getMetadata().getManagedFields().isEmpty());
            assertTrue(read.getMetadata().getAnnotations() == null || read.getMetadata().getAnnotations().isEmpty());
            assertEquals("p", read.getSpec().getAzblob().getPrefix(), "the spec is read whole");
            // what the webhook writes (Events) keeps its annotations
            lean.v1().events().inNamespace("lean").resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                    .withNewMetadata().withName("e1").withAnnotations(Map.of("brguard.io/rule", "x")).endMetadata()
                    .withReason("Denied").build()).create();
        }
        assertEquals(Map.of("brguard.io/rule", "x"),
                client.v1().events().inNamespace("lean").withName("e1").get().getMetadata().getAnnotations());
    }

    @Test
    void followsCreatesUpdatesAndDeletesInTheIndex() throws Exception {
        try (ClusterLookups lookups = new ClusterLookups(client, Clock.systemUTC())) {
            lookups.awaitSynced(30, TimeUnit.SECONDS);
            var backups = client.resources(Backup.class).inNamespace("churn");
            backups.resource(argoManagedLogBackup("churn", "log-a", "a")).create();
            Specs.ClusterRef cluster = new Specs.ClusterRef("churn", "demo1");
            waitFor(() -> index(lookups).activeLogBackups(cluster, "churn/x", 3).total() == 1);
            Backup a = backups.withName("log-a").get();
            a.setStatus(new BackupStatus());
            a.getStatus().setPhase("Stopped");
            backups.resource(a).updateStatus();
            waitFor(() -> index(lookups).activeLogBackups(cluster, "churn/x", 3).total() == 0);
            backups.withName("log-a").delete();
            waitFor(() -> index(lookups).get("churn", "log-a").isEmpty());
        }
    }

    /** The Restore cache keeps which cluster each Restore restores into and its phase, and follows both. */
    @Test
    void followsWhichClusterEachRestoreHolds() throws Exception {
        try (ClusterLookups lookups = new ClusterLookups(client, Clock.systemUTC())) {
            lookups.awaitSynced(30, TimeUnit.SECONDS);
            var restores = client.resources(Restore.class).inNamespace("test3");
            restores.resource(Json.toRestore(Fixtures.object("examples/restores/restore-point-azblob.yaml"))).create();
            Specs.ClusterRef demo3 = new Specs.ClusterRef("test3", "demo3");
            waitFor(() -> lookups.restores() instanceof Lookup.Found<RestoreIndex> f
                    && f.value().targeting(demo3, "test3/other", 3).total() == 1);
            Restore r = restores.withName("demo3-restore-azblob").get();
            r.setStatus(new io.brguard.policy.model.RestoreStatus());
            r.getStatus().setPhase("Failed");
            restores.resource(r).updateStatus();
            waitFor(() -> restoreIndex(lookups).targeting(demo3, "test3/other", 3).total() == 0);
            assertEquals(1, lookups.restoreStore().size(), "a Failed Restore is kept, but holds no cluster");
            restores.withName("demo3-restore-azblob").delete();
            waitFor(() -> lookups.restoreStore().size() == 0);
        }
    }

    @Test
    void readsASecretsKeyNamesWithAGetAndKeepsThemOnlyBriefly() throws Exception {
        TestClock clock = new TestClock();
        var secrets = client.secrets().inNamespace("s1");
        try (ClusterLookups lookups = new ClusterLookups(http, clock, Duration.ofSeconds(10))) {
            assertInstanceOf(Lookup.Missing.class, lookups.secret("s1", "azblob-secret"));
            secrets.resource(new SecretBuilder().withNewMetadata().withName("azblob-secret").endMetadata()
                    .withStringData(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_KEY", "VALUE-NEVER-KEPT")).build())
                    .create();
            Lookup<SecretKeys> found = lookups.secret("s1", "azblob-secret");
            assertEquals(Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY"),
                    ((Lookup.Found<SecretKeys>) found).value().keys(), "a missing Secret is not remembered");
            secrets.withName("azblob-secret").delete();
            assertInstanceOf(Lookup.Found.class, lookups.secret("s1", "azblob-secret"), "kept for its time to live");
            clock.now = clock.now.plusSeconds(11);
            assertInstanceOf(Lookup.Missing.class, lookups.secret("s1", "azblob-secret"), "then read again");
        }
    }

    @Test
    void answersUnknownWhenTheApiServerCannotBeAsked() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Config config = new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port).withConnectionTimeout(500)
                .withRequestTimeout(500).withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient nowhere = new KubernetesClientBuilder().withConfig(config).build();
             ClusterLookups lookups = new ClusterLookups(nowhere, Clock.systemUTC())) {
            Lookup<SecretKeys> s = lookups.secret("s1", "azblob-secret");
            Lookup.Unknown<SecretKeys> u = assertInstanceOf(Lookup.Unknown.class, s);
            assertTrue(u.reason().contains("could not read Secret s1/azblob-secret"), u.reason());
            assertInstanceOf(Lookup.Unknown.class, lookups.backups(), "not synced: unknown, never an empty list");
            assertInstanceOf(Lookup.Unknown.class, lookups.restores(), "the same for Restores");
            lookups.start();
            waitFor(() -> lookups.notReadyReason().contains("the Backup cache has not synced:"));
            assertNull(lookups.dead(), "an API server that does not answer is retried, not given up on");
        }
    }

    @Test
    void reportsACacheThatStoppedSoThatHealthzFails() throws Exception {
        try (ClusterLookups lookups = new ClusterLookups(http, Clock.systemUTC())) {
            lookups.awaitSynced(30, TimeUnit.SECONDS);
            assertNull(lookups.dead());
            lookups.informer().stop();
            waitFor(() -> lookups.dead() != null);
            assertFalse(lookups.synced());
            assertInstanceOf(Lookup.Unknown.class, lookups.backups());
        }
    }

    /*
     * Past the cache's budget the webhook used to die of OutOfMemoryError at start (-XX:+ExitOnOutOfMemoryError)
     * and, with failurePolicy Fail, block every Backup write. Now it drops the cache and keeps deciding: the rules
     * that need no other Backup as before, the cross-object rules reported as not checked (a warning, the audit
     * line, /readyz and a gauge), and it builds the cache again once the Backups fit.
     */
    @Test
    void keepsServingPastTheCacheBudgetWithCrossObjectRulesReportedUnchecked() throws Exception {
        var backups = http.resources(Backup.class).inNamespace("budget");
        for (int i = 0; i < 30; i++) {
            backups.resource(argoManagedLogBackup("budget", "log-" + i, "p" + i)).create();
        }
        http.secrets().inNamespace("budget").resource(new SecretBuilder().withNewMetadata().withName("azblob-secret").endMetadata()
                .withStringData(Map.of("AZURE_STORAGE_ACCOUNT", "a", "AZURE_STORAGE_KEY", "k")).build()).create();
        long budget = 10 * CompactBackupStore.estimate(600);
        WebhookHardeningTest.certificates();
        try (ClusterLookups lookups = new ClusterLookups(http, Clock.systemUTC(), Duration.ofSeconds(10), budget);
             WebhookServer server = new WebhookServer(new WebhookServer.Options("127.0.0.1", 0, 0, 0), new io.brguard.policy.Policy(),
                     lookups, lookups, new TlsReloader(WebhookHardeningTest.tlsDir, Clock.systemUTC()), new AuditLog(null, null),
                     null, Clock.systemUTC()).start()) {
            lookups.bind(server.registry());
            lookups.awaitSynced(30, TimeUnit.SECONDS);
            waitFor(() -> lookups.degraded() != null);
            assertTrue(lookups.synced(), "past the budget the webhook is ready: it serves");
            Lookup.Unknown<BackupIndex> unknown = assertInstanceOf(Lookup.Unknown.class, lookups.backups());
            assertEquals(lookups.degraded(), unknown.reason());
            assertEquals(0, lookups.store().size(), "the cache's memory is given back");

            Backup another = argoManagedLogBackup("budget", "log-new", "p-new");
            String review = WebhookServerTest.review("CREATE", Json.JSON.valueToTree(another), null, false);
            java.net.http.HttpResponse<String> r = WebhookHardeningTest.http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("https://localhost:" + server.tlsPort() + "/validate")).POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(review)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "decided, not an error: " + r.body());
            tools.jackson.databind.JsonNode response = Json.JSON.readTree(r.body()).path("response");
            assertTrue(response.path("allowed").asBoolean(), r.body());
            assertTrue(response.path("warnings").toString().contains("cross.one-log-per-cluster spec.br.cluster: not checked: "
                    + "the Backup cache is over its budget"), r.body());
            java.net.http.HttpResponse<String> ready = WebhookServerTest.plain(server.healthPort(), "/readyz");
            assertEquals(200, ready.statusCode());
            assertTrue(ready.body().contains("cross-object rules are not checked: the Backup cache is over its budget"), ready.body());
            assertTrue(WebhookServerTest.plain(server.healthPort(), "/metrics").body().contains("brguard_backup_cache_over_budget 1.0"));

            for (int i = 0; i < 27; i++) {
                backups.withName("log-" + i).delete();
            }
            lookups.recount(); // what runs every few minutes
            waitFor(() -> lookups.degraded() == null);
            assertEquals(3, index(lookups).activeLogBackups(new Specs.ClusterRef("budget", "demo1"), "budget/x", 3).total(),
                    "once the Backups fit, the cache is built again and the rules see them");
            assertTrue(WebhookServerTest.plain(server.healthPort(), "/metrics").body().contains("brguard_backup_cache_over_budget 0.0"));
        }
    }

    private static RestoreIndex restoreIndex(ClusterLookups l) {
        return ((Lookup.Found<RestoreIndex>) l.restores()).value();
    }

    private static BackupIndex index(ClusterLookups l) {
        Lookup<BackupIndex> b = l.backups();
        assertNotNull(b);
        return ((Lookup.Found<BackupIndex>) b).value();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }
}
