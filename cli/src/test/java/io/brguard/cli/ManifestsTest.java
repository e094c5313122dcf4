package io.brguard.cli;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Renders every overlay with `kubectl kustomize` (offline) and checks the output. Besides the shipped overlays, the
 * test overlays in src/test/resources/overlays add one optional component each to webhook-only (monitoring,
 * grafana-dashboard, fail-closed, vap; vap-deny with the patch that makes its bindings refuse), as a team's own
 * overlay would.
 */
class ManifestsTest {
    private static final List<String> OVERLAYS = List.of("webhook-only", "schedules", "standalone", "cert-manager", "network-policy");
    private static final List<String> WITH_COMPONENTS = List.of("monitoring", "grafana-dashboard", "fail-closed", "vap", "vap-deny");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** A shipped overlay (manifests/overlays) or a test overlay (cli/src/test/resources/overlays). */
    static List<JsonNode> render(String overlay) {
        java.nio.file.Path dir = Fixtures.path("manifests/overlays/" + overlay);
        if (!java.nio.file.Files.isDirectory(dir)) {
            dir = Fixtures.path("cli/src/test/resources/overlays/" + overlay);
        }
        return renderDir(dir);
    }

    /** Any kustomization directory, rendered as `kubectl kustomize DIR`. */
    static List<JsonNode> renderDir(java.nio.file.Path dir) {
        String overlay = dir.getFileName().toString();
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString())
                    .redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize timed out");
            assertEquals(0, p.exitValue(), "kubectl kustomize " + overlay + ": " + err);
            Manifests.Parsed parsed = Manifests.parse(overlay, out);
            assertEquals(List.of(), parsed.problems());
            return parsed.documents().stream().map(Manifests.Document::tree).toList();
        } catch (java.io.IOException e) {
            throw new AssertionError("kubectl is needed to render the manifests (kubectl kustomize): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static List<JsonNode> all() {
        List<JsonNode> out = new ArrayList<>();
        OVERLAYS.forEach(o -> out.addAll(render(o)));
        return out;
    }

    static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asString())).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"webhook-only", "schedules", "standalone", "cert-manager", "network-policy", "monitoring",
            "grafana-dashboard", "fail-closed", "vap", "vap-deny"})
    void everyRenderedObjectMatchesItsKubernetesSchema(String overlay) {
        List<String> problems = new ArrayList<>();
        for (JsonNode o : render(overlay)) {
            String where = overlay + " " + o.path("kind").asString() + "/" + o.path("metadata").path("name").asString();
            HasMetadata typed = SERIALIZATION.unmarshal(o.toString());
            if (typed instanceof GenericKubernetesResource) {
                // cert-manager kinds: no built-in schema here; their fields are checked by cert-manager on apply.
                // Prometheus Operator kinds: bound to the operator's CRDs in MonitoringTest.
                assertTrue(o.path("apiVersion").asString().startsWith("cert-manager.io/")
                        || o.path("apiVersion").asString().startsWith("monitoring.coreos.com/"), where + " has no known schema");
                continue;
            }
            unknownFields(where, typed, problems, new IdentityHashMap<>());
        }
        assertEquals(List.of(), problems, "fields the Kubernetes schema does not know (typos are dropped silently)");
    }

    /** The object as fabric8's typed model (a GenericKubernetesResource for kinds it has no model of). */
    static HasMetadata typed(JsonNode o) {
        return SERIALIZATION.unmarshal(o.toString());
    }

    /** Walks a fabric8 model object; every field the model does not know lands in additionalProperties. */
    static void unknownFields(String path, Object o, List<String> problems, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object x : c) {
                unknownFields(path + "[" + i++ + "]", x, problems, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(path + "." + k, v, problems, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getName().equals("getClass")) {
                continue;
            }
            try {
                Object v = m.invoke(o);
                if (m.getName().equals("getAdditionalProperties")) {
                    if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        problems.add(path + ": unknown " + extra.keySet());
                    }
                } else {
                    unknownFields(path + "." + m.getName().substring(3), v, problems, seen);
                }
            } catch (ReflectiveOperationException e) {
                problems.add(path + ": " + e);
            }
        }
    }

    @Test
    void rbacNamesEveryVerbResourceAndGroupWithoutWildcards() {
        List<JsonNode> objects = all();
        int rules = 0;
        for (JsonNode role : objects) {
            if (!List.of("ClusterRole", "Role").contains(role.path("kind").asString())) {
                continue;
            }
            rules += role.path("rules").size();
            assertRulesNameEverything(role.path("metadata").path("name").asString(), role);
        }
        assertTrue(rules >= 10, "only " + rules + " RBAC rules found");
        JsonNode webhook = ofKind(objects, "ClusterRole").stream()
                .filter(r -> r.path("metadata").path("name").asString().equals("brguard-webhook")).findFirst().orElseThrow();
        Map<String, List<String>> verbs = new java.util.TreeMap<>();
        for (JsonNode rule : webhook.path("rules")) {
            rule.path("resources").forEach(r -> verbs.put(r.asString(), strings(rule.path("verbs"))));
        }
        // Backups and Restores are cached (list, watch), and only read; a Secret is read one at a time and never
        // enumerated (get only); the webhook configurations are read by name (the caBundle metrics) and nothing else
        // of them.
        assertEquals(Map.of("backups", List.of("get", "list", "watch"), "restores", List.of("get", "list", "watch"),
                "secrets", List.of("get"), "events", List.of("create", "patch"), "policyreports", List.of("get", "create", "update"),
                "validatingwebhookconfigurations", List.of("get"), "mutatingwebhookconfigurations", List.of("get")),
                verbs, "the webhook's RBAC");
        for (JsonNode rule : webhook.path("rules")) {
            if (rule.path("apiGroups").toString().contains("admissionregistration")) {
                assertEquals(List.of("brguard"), strings(rule.path("resourceNames")), "only brguard's own configurations");
            }
        }
    }

    /**
     * The controller of the schedules install carries out BackupSchedules and nothing else: no Job, no Secret, no
     * Backup status (those are TiDB Operator's). Only the standalone install's backup-executor adds them.
     */
    @Test
    void theSchedulesControllerCannotRunJobsReadSecretsOrWriteBackupStatus() {
        Map<String, List<String>> verbs = new java.util.TreeMap<>();
        for (JsonNode role : ofKind(render("schedules"), "ClusterRole")) {
            if (role.path("metadata").path("name").asString().startsWith("brguard-controller")) {
                for (JsonNode rule : role.path("rules")) {
                    rule.path("resources").forEach(r -> verbs.put(r.asString(), strings(rule.path("verbs"))));
                }
            }
        }
        assertEquals(Map.of("backupschedules", List.of("get", "list", "watch"), "backupschedules/status", List.of("get", "update", "patch"),
                "backupschedules/finalizers", List.of("update"), "backups", List.of("get", "list", "watch", "create", "patch", "delete"),
                "events", List.of("create", "patch")), verbs, "the schedules controller's RBAC");
        JsonNode args = ofKind(render("schedules"), "Deployment").stream()
                .filter(d -> d.path("metadata").path("name").asString().equals("brguard-controller")).findFirst().orElseThrow()
                .path("spec").path("template").path("spec").path("containers").get(0).path("args");
        assertFalse(strings(args).contains("--run-backups"), "TiDB Operator v2 runs the Backups");
        JsonNode standaloneArgs = ofKind(render("standalone"), "Deployment").stream()
                .filter(d -> d.path("metadata").path("name").asString().equals("brguard-controller")).findFirst().orElseThrow()
                .path("spec").path("template").path("spec").path("containers").get(0).path("args");
        assertTrue(strings(standaloneArgs).contains("--run-backups"), "standalone runs Backups too");
        assertTrue(ofKind(render("standalone"), "ClusterRole").stream()
                .anyMatch(r -> r.path("metadata").path("name").asString().equals("brguard-controller-backups")));
    }

    /** No wildcard in any verb, resource, group, name or URL of a Role's rules, and every rule has verbs. */
    static void assertRulesNameEverything(String where, JsonNode role) {
        for (JsonNode rule : role.path("rules")) {
            for (String field : List.of("verbs", "resources", "apiGroups", "resourceNames", "nonResourceURLs")) {
                rule.path(field).forEach(v -> assertFalse(v.asString().contains("*"), where + " has a wildcard in " + field));
            }
            assertFalse(rule.path("verbs").isEmpty(), where + ": a rule without verbs");
        }
    }

    @Test
    void webhookConfigurationsMatchOnlyTheJudgedKindsAndCarryNoCaBundle() {
        for (String overlay : java.util.stream.Stream.concat(OVERLAYS.stream(), WITH_COMPONENTS.stream()).toList()) {
            List<JsonNode> objects = render(overlay);
            List<JsonNode> configs = new ArrayList<>(ofKind(objects, "ValidatingWebhookConfiguration"));
            configs.addAll(ofKind(objects, "MutatingWebhookConfiguration"));
            assertEquals(2, configs.size(), overlay);
            for (JsonNode c : configs) {
                for (JsonNode w : c.path("webhooks")) {
                    String where = overlay + " " + w.path("name").asString();
                    assertEquals("None", w.path("sideEffects").asString(), where);
                    assertEquals(List.of("v1"), strings(w.path("admissionReviewVersions")), where);
                    int timeout = w.path("timeoutSeconds").asInt(0);
                    assertTrue(timeout >= 1 && timeout <= 5, where + " timeoutSeconds " + timeout);
                    assertTrue(List.of("Fail", "Ignore").contains(w.path("failurePolicy").asString()), where);
                    assertTrue(w.path("clientConfig").path("caBundle").isMissingNode(), where + " has a caBundle in Git");
                    assertEquals("brguard-webhook", w.path("clientConfig").path("service").path("name").asString());
                    // The validating webhook judges every kind in the table; only Backups are defaulted (a schedule's
                    // templates get the CRD's defaults from the API server, its children are defaulted when created).
                    List<String> kinds = c.path("kind").asString().startsWith("Validating")
                            ? io.brguard.policy.Kinds.plurals() : List.of("backups");
                    for (JsonNode r : w.path("rules")) {
                        assertEquals(List.of("br.pingcap.com"), strings(r.path("apiGroups")), where);
                        assertEquals(kinds, strings(r.path("resources")), where);
                    }
                    assertTrue(w.path("namespaceSelector").toString().contains("brguard"), where + " does not exclude its own namespace");
                }
            }
            // Installed fail-open (an install cannot block a Backup write); fail-closed only with the component.
            JsonNode validating = ofKind(objects, "ValidatingWebhookConfiguration").get(0).path("webhooks").get(0);
            assertEquals(overlay.equals("fail-closed") ? "Fail" : "Ignore", validating.path("failurePolicy").asString(), overlay);
            assertEquals("/validate", validating.path("clientConfig").path("service").path("path").asString());
            assertEquals("Ignore", ofKind(objects, "MutatingWebhookConfiguration").get(0).path("webhooks").get(0)
                    .path("failurePolicy").asString(), overlay + ": the mutating webhook only fills defaults");
        }
    }

    /*
     * A stopping webhook pod must keep answering until endpoints everywhere have dropped it (preStop), then answer
     * what is in flight (WebhookCommand's --shutdown-delay 2 s and --shutdown-timeout 15 s): the grace period covers
     * all three, or the kubelet kills the pod with requests in flight.
     */
    @Test
    void theWebhookPausesBeforeSigtermAndHasTimeToDrain() {
        for (String overlay : OVERLAYS) {
            JsonNode pod = ofKind(render(overlay), "Deployment").stream()
                    .filter(d -> d.path("metadata").path("name").asString().equals("brguard-webhook")).findFirst()
                    .orElseThrow().path("spec").path("template").path("spec");
            List<String> preStop = strings(pod.path("containers").get(0).path("lifecycle").path("preStop").path("exec").path("command"));
            assertEquals("sleep", preStop.get(0), overlay);
            int pause = Integer.parseInt(preStop.get(1));
            assertTrue(pause >= 5, overlay + ": endpoints take seconds to reach every node");
            // the pause, --shutdown-delay (2 s), --shutdown-timeout (15 s), then the audit log's and stderr's last
            // lines (up to 2 s each, WebhookCommand) before the exit: SIGKILL would lose them uncounted
            assertTrue(pod.path("terminationGracePeriodSeconds").asInt(30) >= pause + 2 + 15 + 2 + 2 + 3, overlay);
        }
    }

    @Test
    void deploymentsRunHardenedWithProbesAndEveryReplicaSpread() {
        List<JsonNode> objects = render("standalone");
        List<JsonNode> deployments = ofKind(objects, "Deployment");
        assertEquals(2, deployments.size());
        for (JsonNode d : deployments) {
            String name = d.path("metadata").path("name").asString();
            JsonNode pod = d.path("spec").path("template").path("spec");
            assertTrue(d.path("spec").path("replicas").asInt() >= 2, name);
            assertTrue(pod.path("affinity").path("podAntiAffinity").isObject() || pod.path("topologySpreadConstraints").isArray(),
                    name + " anti-affinity or topology spread");
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), name);
            assertEquals("RuntimeDefault", pod.path("securityContext").path("seccompProfile").path("type").asString(), name);
            for (JsonNode c : pod.path("containers")) {
                JsonNode sc = c.path("securityContext");
                assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(), name);
                assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), name);
                assertEquals(List.of("ALL"), strings(sc.path("capabilities").path("drop")), name);
                assertFalse(c.path("resources").path("limits").path("memory").isMissingNode(), name + " memory limit");
                assertFalse(c.path("resources").path("requests").path("cpu").isMissingNode(), name + " cpu request");
            }
        }
        for (JsonNode d : deployments) {
            String name = d.path("metadata").path("name").asString();
            JsonNode pod = d.path("spec").path("template");
            JsonNode c = pod.path("spec").path("containers").get(0);
            assertEquals("/readyz", c.path("readinessProbe").path("httpGet").path("path").asString(), name);
            assertEquals("/healthz", c.path("livenessProbe").path("httpGet").path("path").asString(), name);
            List<String> ports = new ArrayList<>();
            c.path("ports").forEach(p -> ports.add(p.path("name").asString()));
            assertTrue(ports.contains(c.path("readinessProbe").path("httpGet").path("port").asString()), name + " probes a port it has");
            assertTrue(c.toString().contains("-XX:+ExitOnOutOfMemoryError"), name + ": a JVM out of heap exits");
            // Each Deployment has a PDB that selects its pods and lets a drain evict one of them at a time.
            JsonNode pdb = ofKind(objects, "PodDisruptionBudget").stream()
                    .filter(b -> selects(b.path("spec").path("selector"), pod.path("metadata").path("labels")))
                    .findFirst().orElseThrow(() -> new AssertionError(name + " has no PodDisruptionBudget"));
            assertTrue(pdb.path("spec").path("minAvailable").asInt(0) == 1 || pdb.path("spec").path("maxUnavailable").asInt(0) == 1,
                    name + ": " + pdb.path("spec"));
        }
        assertEquals(2, ofKind(objects, "PodDisruptionBudget").size());
        // High availability as the webhook anchors recommend: three replicas, one node each (required), spread over
        // zones, and evictions one at a time.
        JsonNode webhookDeployment = deployments.stream().filter(d -> d.path("metadata").path("name").asString()
                .equals("brguard-webhook")).findFirst().orElseThrow();
        assertEquals(3, webhookDeployment.path("spec").path("replicas").asInt());
        JsonNode spread = webhookDeployment.path("spec").path("template").path("spec").path("topologySpreadConstraints");
        java.util.Map<String, String> byKey = new java.util.HashMap<>();
        spread.forEach(c -> {
            byKey.put(c.path("topologyKey").asString(), c.path("whenUnsatisfiable").asString());
            assertEquals(1, c.path("maxSkew").asInt());
            assertEquals(List.of("pod-template-hash"), strings(c.path("matchLabelKeys")), "a rollout's surge pod is not held to the old ones");
            assertEquals("webhook", c.path("labelSelector").path("matchLabels").path("app.kubernetes.io/component").asString());
        });
        assertEquals(java.util.Map.of("kubernetes.io/hostname", "DoNotSchedule", "topology.kubernetes.io/zone", "ScheduleAnyway"), byKey);
        JsonNode webhookPdb = ofKind(objects, "PodDisruptionBudget").stream()
                .filter(b -> selects(b.path("spec").path("selector"), webhookDeployment.path("spec").path("template").path("metadata").path("labels")))
                .findFirst().orElseThrow();
        assertEquals(1, webhookPdb.path("spec").path("maxUnavailable").asInt());
        // Outside kube-system a system-* priority class needs a matching ResourceQuota where the API server limits
        // them (GKE): the pods would be refused, and with failurePolicy Fail so would every Backup write.
        for (String overlay : OVERLAYS) {
            for (JsonNode o : render(overlay)) {
                String priority = o.findValues("priorityClassName").stream().filter(JsonNode::isString).map(JsonNode::asString)
                        .filter(v -> v.startsWith("system-")).findFirst().orElse(null);
                assertEquals(null, priority, overlay + " " + o.path("kind").asString() + "/" + o.path("metadata").path("name").asString());
            }
        }
    }

    @Test
    void certificatesGoToTheSecretTheWebhookMounts() {
        List<JsonNode> objects = render("webhook-only");
        JsonNode mounted = ofKind(objects, "Deployment").get(0).path("spec").path("template").path("spec").path("volumes");
        String secret = null;
        for (JsonNode v : mounted) {
            if (v.has("secret")) {
                secret = v.path("secret").path("secretName").asString();
            }
        }
        assertNotNull(secret);
        for (JsonNode job : ofKind(objects, "Job")) {
            assertTrue(job.toString().contains("--secret=" + secret), "certs Job writes " + secret);
        }
        assertEquals(1, ofKind(objects, "CronJob").size());
        JsonNode certManager = render("cert-manager").stream().filter(o -> o.path("kind").asString().equals("Certificate")
                && o.path("metadata").path("name").asString().equals("brguard-webhook")).findFirst().orElseThrow();
        assertEquals(secret, certManager.path("spec").path("secretName").asString());
        assertTrue(render("cert-manager").stream().noneMatch(o -> o.path("kind").asString().equals("CronJob")));
    }

    @Test
    void standaloneInstallsTheSameCrdsAsManifestsCrd() {
        List<JsonNode> crds = ofKind(render("standalone"), "CustomResourceDefinition");
        assertEquals(3, crds.size());
        assertTrue(Json.sameMeaning(Fixtures.object("manifests/crd/backups.br.pingcap.com.yaml"), crds.get(0)));
        assertTrue(Json.sameMeaning(Fixtures.object("manifests/crd/backupschedules.br.pingcap.com.yaml"), crds.get(1)));
        assertTrue(Json.sameMeaning(Fixtures.object("manifests/crd/restores.br.pingcap.com.yaml"), crds.get(2)));
        for (String overlay : List.of("webhook-only", "schedules")) {
            assertTrue(ofKind(render(overlay), "CustomResourceDefinition").isEmpty(), "TiDB Operator owns the CRDs in " + overlay);
        }
    }

    /** The health checks themselves run under Lua 5.1 and cel-java in GitOpsHealthTest; here only their wiring. */
    @Test
    void gitopsSnippetsCarryTheHealthChecksAndTheCaBundle() {
        JsonNode cm = Fixtures.object("manifests/gitops/argocd/argocd-cm-backup-health.yaml");
        assertEquals("argocd-cm", cm.path("metadata").path("name").asString());
        assertEquals("argocd", cm.path("metadata").path("namespace").asString());
        String app = Fixtures.read("manifests/gitops/argocd/application-brguard.yaml");
        assertTrue(app.contains("clientConfig.caBundle") && app.contains("retry:"));
        JsonNode flux = Fixtures.object("manifests/gitops/flux/kustomization-backups.yaml");
        assertTrue(flux.path("spec").path("wait").asBoolean(false), "the Kustomization waits for Backup health");
    }

    /*
     * The optional NetworkPolicies admit to the webhook pods exactly the ports something must reach (the Service's
     * target port, which the API server's calls arrive on, and the probes' and metrics' port) and select the pods the
     * Deployment and the certs Jobs make: a renamed port or label would silently cut the API server off.
     */
    @Test
    void networkPoliciesAdmitWhatMustReachTheWebhookAndSelectItsPods() {
        List<JsonNode> objects = render("network-policy");
        List<JsonNode> policies = ofKind(objects, "NetworkPolicy");
        assertEquals(2, policies.size());
        JsonNode webhookPolicy = named(policies, "brguard-webhook").path("spec");
        JsonNode deployment = named(ofKind(objects, "Deployment"), "brguard-webhook").path("spec").path("template");
        assertTrue(selects(webhookPolicy.path("podSelector"), deployment.path("metadata").path("labels")));
        assertEquals(List.of("Ingress", "Egress"), strings(webhookPolicy.path("policyTypes")));

        JsonNode container = deployment.path("spec").path("containers").get(0);
        Map<String, Integer> containerPorts = new java.util.HashMap<>();
        container.path("ports").forEach(p -> containerPorts.put(p.path("name").asString(), p.path("containerPort").asInt()));
        java.util.Set<String> admitted = new java.util.TreeSet<>();
        for (JsonNode rule : webhookPolicy.path("ingress")) {
            for (JsonNode port : rule.path("ports")) {
                String name = port.path("port").asString();
                assertTrue(containerPorts.containsKey(name), "the policy names port " + name + ", which the container has not");
                admitted.add(name);
            }
        }
        java.util.Set<String> needed = new java.util.TreeSet<>();
        ofKind(objects, "Service").forEach(svc -> svc.path("spec").path("ports").forEach(p -> needed.add(p.path("targetPort").asString())));
        needed.add(container.path("readinessProbe").path("httpGet").path("port").asString());
        needed.add(container.path("livenessProbe").path("httpGet").path("port").asString());
        assertEquals(needed, admitted, "exactly the ports the Service and the probes use");
        JsonNode apiServerRule = webhookPolicy.path("ingress").get(0);
        assertTrue(apiServerRule.path("from").isMissingNode(), "the API server's port admits every source");
        List<String> apiServerPorts = new ArrayList<>();
        apiServerRule.path("ports").forEach(p -> apiServerPorts.add(p.path("port").asString()));
        assertEquals(List.of("https"), apiServerPorts);
        assertEquals(List.of(443, 6443), webhookPolicy.path("egress").get(0).path("ports").findValues("port").stream()
                .map(JsonNode::asInt).toList(), "the webhook reaches the API server");

        JsonNode certsPolicy = named(policies, "brguard-certs").path("spec");
        for (JsonNode job : ofKind(objects, "Job")) {
            assertTrue(selects(certsPolicy.path("podSelector"), job.path("spec").path("template").path("metadata").path("labels")));
        }
        for (JsonNode cron : ofKind(objects, "CronJob")) {
            assertTrue(selects(certsPolicy.path("podSelector"), cron.path("spec").path("jobTemplate").path("spec")
                    .path("template").path("metadata").path("labels")));
        }
        assertFalse(selects(certsPolicy.path("podSelector"), deployment.path("metadata").path("labels")));
        JsonNode probe = certsPolicy.path("egress").get(1);
        assertTrue(selects(probe.path("to").get(0).path("podSelector"), deployment.path("metadata").path("labels")),
                "certs rotate --probe reaches the webhook pods");
        assertTrue(ofKind(render("webhook-only"), "NetworkPolicy").isEmpty(), "the policies are optional");
    }

    /*
     * Argo CD neither compares nor (with RespectIgnoreDifferences) applies an ignored field: an ignored
     * logSubcommand or cleanPolicy means a pause, stop or revert in Git never reaches the cluster. The Backups
     * application ignores nothing and diffs server-side through the webhooks; the brguard application ignores only
     * the caBundle, which is written at run time and is in no rendered manifest.
     */
    @Test
    void argoCdApplicationsIgnoreNoFieldAUserWritesInGit() {
        JsonNode backups = Fixtures.object("manifests/gitops/argocd/application-backups.yaml");
        assertTrue(backups.path("spec").path("ignoreDifferences").isMissingNode(), backups.path("spec").toString());
        assertFalse(backups.toString().contains("RespectIgnoreDifferences"));
        List<String> compare = List.of(backups.path("metadata").path("annotations")
                .path("argocd.argoproj.io/compare-options").asString("").split(","));
        assertTrue(compare.contains("ServerSideDiff=true") && compare.contains("IncludeMutationWebhook=true"), compare.toString());

        JsonNode brguard = Fixtures.object("manifests/gitops/argocd/application-brguard.yaml");
        List<String> ignored = new ArrayList<>();
        brguard.path("spec").path("ignoreDifferences").forEach(d -> d.path("jqPathExpressions").forEach(e -> ignored.add(e.asString())));
        assertEquals(List.of(".webhooks[]?.clientConfig.caBundle", ".webhooks[]?.clientConfig.caBundle"), ignored);
        for (JsonNode o : render("webhook-only")) {
            for (JsonNode w : o.path("webhooks")) {
                assertTrue(w.path("clientConfig").path("caBundle").isMissingNode(), "the caBundle is not in Git");
            }
        }
    }

    /*
     * imagePullSecrets everywhere: the component names the pull Secret on every ServiceAccount, and every pod of every
     * install runs as one of them, so the API server gives each pod the Secret when it is created.
     */
    @Test
    void theImagePullSecretComponentReachesEveryPod() throws java.io.IOException {
        for (String overlay : List.of("standalone", "cert-manager")) {
            java.nio.file.Path dir = Fixtures.path("cli/target/image-pull-secret-" + overlay);
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.writeString(dir.resolve("kustomization.yaml"), "resources: [../../../manifests/overlays/" + overlay
                    + "]\ncomponents: [../../../manifests/components/image-pull-secret]\n");
            List<JsonNode> objects = renderDir(dir);
            java.util.Set<String> withSecret = new java.util.TreeSet<>();
            for (JsonNode sa : ofKind(objects, "ServiceAccount")) {
                assertEquals("[{\"name\":\"brguard-registry\"}]", sa.path("imagePullSecrets").toString(), sa.toString());
                withSecret.add(sa.path("metadata").path("name").asString());
            }
            int pods = 0;
            for (JsonNode o : objects) {
                for (JsonNode podSpec : o.findParents("containers")) {
                    pods++;
                    assertTrue(withSecret.contains(podSpec.path("serviceAccountName").asString()),
                            overlay + " " + o.path("metadata").path("name").asString() + " runs as a ServiceAccount without the pull Secret");
                }
            }
            assertEquals(overlay.equals("standalone") ? 4 : 1, pods, overlay + ": every pod template was seen");
        }
    }

    private static JsonNode named(List<JsonNode> objects, String name) {
        return objects.stream().filter(o -> name.equals(o.path("metadata").path("name").asString())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name));
    }

    /** Whether a matchLabels selector (the only form shipped) selects these labels. */
    static boolean selects(JsonNode selector, JsonNode labels) {
        assertTrue(selector.path("matchExpressions").isMissingNode(), "matchLabels only");
        assertFalse(selector.path("matchLabels").isEmpty(), "a selector that selects every pod");
        for (Map.Entry<String, JsonNode> e : selector.path("matchLabels").properties()) {
            if (!e.getValue().asString().equals(labels.path(e.getKey()).asString(null))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
