package io.brguard.cli;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * charts/brguard under Helm's own engine (helm-java runs Helm's Go library in the JVM): it lints, it validates its
 * values against values.schema.json, and with each choice of values it renders the very objects of the matching
 * kustomize overlay, so the two installs cannot drift; with other values it keeps ManifestsTest's invariants.
 */
class HelmChartTest {
    private static final java.nio.file.Path CHART = Fixtures.path("charts/brguard");

    static List<JsonNode> template(String namespace, Map<String, String> values) {
        TemplateCommand t = new Helm(CHART).template().withName("brguard").withNamespace(namespace);
        values.forEach(t::set);
        String out = t.call();
        Manifests.Parsed parsed = Manifests.parse("helm template", out);
        assertEquals(List.of(), parsed.problems());
        return parsed.documents().stream().map(Manifests.Document::tree).toList();
    }

    @Test
    void lintsStrictlyClean() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
        assertEquals(List.of(), lint.getMessages().stream().filter(m -> m.contains("[ERROR]") || m.contains("[WARNING]")).toList());
    }

    /** The chart with a values file (lists and maps as YAML, which --set cannot say plainly). */
    static List<JsonNode> templateWithValues(String namespace, String valuesYaml) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("brguard-values", ".yaml");
            try {
                java.nio.file.Files.writeString(file, valuesYaml);
                String out = new Helm(CHART).template().withName("brguard").withNamespace(namespace).withValuesFile(file).call();
                Manifests.Parsed parsed = Manifests.parse("helm template", out);
                assertEquals(List.of(), parsed.problems());
                return parsed.documents().stream().map(Manifests.Document::tree).toList();
            } finally {
                java.nio.file.Files.delete(file);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0} renders as the {1} overlay")
    @CsvSource({
            "'', schedules",
            "install=webhook-only, webhook-only",
            "install=standalone, standalone",
            "install=webhook-only;certificates=cert-manager, cert-manager",
            "install=webhook-only;networkPolicy.enabled=true, network-policy",
            "install=webhook-only;monitoring.enabled=true, monitoring",
            "install=webhook-only;monitoring.grafanaDashboard=true, grafana-dashboard",
            "install=webhook-only;webhook.failurePolicy=Fail, fail-closed",
            "install=webhook-only;vap.enabled=true, vap",
            "install=webhook-only;vap.enabled=true;vap.action=Deny, vap-deny",
    })
    void rendersTheObjectsOfTheMatchingOverlay(String setting, String overlay) {
        Map<String, String> values = new TreeMap<>();
        for (String one : setting.isEmpty() ? new String[0] : setting.split(";")) {
            String[] kv = one.split("=", 2);
            values.put(kv[0], kv[1]);
        }
        Map<String, JsonNode> helm = byKey(template("brguard", values));
        Map<String, JsonNode> kustomize = byKey(ManifestsTest.render(overlay).stream()
                .filter(o -> !o.path("kind").asString().equals("Namespace")).toList());
        assertEquals(kustomize.keySet(), helm.keySet(), "the same objects (Helm leaves the Namespace to --create-namespace)");
        List<String> differ = new ArrayList<>();
        kustomize.forEach((key, k) -> {
            if (!Json.sameMeaning(k, helm.get(key))) {
                differ.add(key + "\n  kustomize: " + k + "\n  helm:      " + helm.get(key));
            }
        });
        assertEquals(List.of(), differ);
    }

    @Test
    void valuesReachEveryObjectTheyConcern() {
        List<JsonNode> objects = template("tidb-guard", Map.of("install", "standalone", "image.repository", "registry.example/brguard",
                "image.tag", "0.1.0-rc1", "image.pullPolicy", "Always", "webhook.replicas", "5", "webhook.failurePolicy", "Ignore",
                "controller.brImage", "pingcap/br:v8.5.2", "webhook.zoneSpread", "DoNotSchedule"));
        int containers = 0;
        for (JsonNode o : objects) {
            String where = o.path("kind").asString() + "/" + o.path("metadata").path("name").asString();
            if (!o.path("metadata").path("namespace").isMissingNode()) {
                assertEquals("tidb-guard", o.path("metadata").path("namespace").asString(), where);
            }
            for (JsonNode c : o.findValues("containers")) {
                for (JsonNode container : c) {
                    containers++;
                    assertEquals("registry.example/brguard:0.1.0-rc1", container.path("image").asString(), where);
                    assertEquals("Always", container.path("imagePullPolicy").asString(), where);
                }
            }
            o.findValues("subjects").forEach(s -> s.forEach(subject ->
                    assertEquals("tidb-guard", subject.path("namespace").asString(), where)));
        }
        assertEquals(4, containers, "webhook, controller, certs Job, certs CronJob");
        JsonNode webhook = ManifestsTest.ofKind(objects, "Deployment").stream()
                .filter(d -> d.path("metadata").path("name").asString().equals("brguard-webhook")).findFirst().orElseThrow();
        assertEquals(5, webhook.path("spec").path("replicas").asInt());
        assertTrue(webhook.path("spec").path("template").path("spec").path("topologySpreadConstraints").toString()
                .contains("\"topologyKey\":\"topology.kubernetes.io/zone\",\"whenUnsatisfiable\":\"DoNotSchedule\""),
                "zones required where every node has one");
        JsonNode validating = ManifestsTest.ofKind(objects, "ValidatingWebhookConfiguration").get(0).path("webhooks").get(0);
        assertEquals("Ignore", validating.path("failurePolicy").asString());
        for (String kind : List.of("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")) {
            JsonNode w = ManifestsTest.ofKind(objects, kind).get(0).path("webhooks").get(0);
            assertEquals("tidb-guard", w.path("clientConfig").path("service").path("namespace").asString(), kind);
            assertTrue(w.path("namespaceSelector").toString().contains("\"tidb-guard\""), kind + " excludes its own namespace");
        }
        String all = objects.toString();
        assertTrue(all.contains("--namespace=tidb-guard") && all.contains("--lease-namespace=tidb-guard")
                && all.contains("--br-image=pingcap/br:v8.5.2"), "arguments follow the values");
        List<JsonNode> certManager = template("tidb-guard", Map.of("certificates", "cert-manager"));
        assertTrue(certManager.toString().contains("brguard-webhook.tidb-guard.svc")
                && certManager.toString().contains("tidb-guard/brguard-webhook"), "certificate names and cainjector follow the namespace");
    }

    @Test
    void everyRenderingKeepsTheManifestInvariants() {
        for (Map<String, String> values : List.of(Map.<String, String>of(), Map.of("install", "standalone", "networkPolicy.enabled", "true"),
                Map.of("certificates", "cert-manager", "webhook.failurePolicy", "Ignore"))) {
            List<JsonNode> objects = template("brguard", values);
            List<String> problems = new ArrayList<>();
            for (JsonNode o : objects) {
                String where = values + " " + o.path("kind").asString() + "/" + o.path("metadata").path("name").asString();
                if (!o.path("apiVersion").asString().startsWith("cert-manager.io/")) {
                    ManifestsTest.unknownFields(where, ManifestsTest.typed(o), problems, new java.util.IdentityHashMap<>());
                }
                ManifestsTest.assertRulesNameEverything(where, o);
                for (JsonNode pod : o.findValues("securityContext")) {
                    if (pod.has("readOnlyRootFilesystem")) {
                        assertTrue(pod.path("readOnlyRootFilesystem").asBoolean() && !pod.path("allowPrivilegeEscalation").asBoolean(true), where);
                    }
                }
                if (!o.path("kind").asString().equals("CustomResourceDefinition")) {
                    assertTrue(o.findValues("priorityClassName").isEmpty(), where + " sets a priority class");
                    assertTrue(o.findValues("caBundle").isEmpty(), where + " carries a caBundle");
                }
            }
            assertEquals(List.of(), problems, "fields the Kubernetes schema does not know");
        }
    }

    /** One row per value: set to something other than its default, it reaches the place it is for. */
    record ValueRow(String key, String values, java.util.function.Consumer<List<JsonNode>> check) {
    }

    private static JsonNode podTemplate(List<JsonNode> objects, String kind, String name) {
        JsonNode o = objects.stream().filter(x -> x.path("kind").asString().equals(kind) && x.path("metadata").path("name").asString().startsWith(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
        return kind.equals("CronJob") ? o.path("spec").path("jobTemplate").path("spec").path("template") : o.path("spec").path("template");
    }

    private static JsonNode named(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(x -> x.path("kind").asString().equals(kind) && x.path("metadata").path("name").asString().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
    }

    /** The pod templates a component's values concern: its Deployment, or the certs Job and CronJob. */
    private static List<JsonNode> pods(List<JsonNode> objects, String component) {
        return component.equals("certs") ? List.of(podTemplate(objects, "Job", "brguard-certs-init"), podTemplate(objects, "CronJob", "brguard-certs-rotate"))
                : List.of(podTemplate(objects, "Deployment", "brguard-" + component));
    }

    private static String javaOptions(JsonNode pod) {
        for (JsonNode e : pod.path("spec").path("containers").get(0).path("env")) {
            if (e.path("name").asString().equals("JAVA_TOOL_OPTIONS")) {
                return e.path("value").asString();
            }
        }
        throw new AssertionError("no JAVA_TOOL_OPTIONS");
    }

    static List<ValueRow> valueRows() {
        List<ValueRow> rows = new ArrayList<>(List.of(
                new ValueRow("image.repository", "image: {repository: registry.example/brguard}", o -> assertTrue(o.toString().contains("registry.example/brguard:0.1.0"))),
                new ValueRow("image.tag", "image: {tag: 0.1.1}", o -> assertTrue(o.toString().contains("brguard/brguard:0.1.1"))),
                new ValueRow("image.pullPolicy", "image: {pullPolicy: Always}", o -> assertTrue(o.toString().contains("\"imagePullPolicy\":\"Always\""))),
                new ValueRow("imagePullSecrets", "install: standalone\nimagePullSecrets: [{name: regcred}]", o -> {
                    for (String c : List.of("webhook", "controller", "certs")) {
                        pods(o, c).forEach(p -> assertEquals("[{\"name\":\"regcred\"}]", p.path("spec").path("imagePullSecrets").toString(), c));
                    }
                }),
                new ValueRow("install", "install: standalone", o -> assertEquals(3, ManifestsTest.ofKind(o, "CustomResourceDefinition").size())),
                new ValueRow("certificates", "certificates: cert-manager", o -> assertEquals(2, ManifestsTest.ofKind(o, "Certificate").size())),
                new ValueRow("policy", "policy: {enforcement: {default: Warn, rules: {cross.prefix-overlap: 'Off'}}, exemptions: {namespaces: [sandbox]}}", o -> {
                    String file = named(o, "ConfigMap", "brguard-policy").path("data").path("policy.yaml").asString();
                    try {
                        io.brguard.policy.rollout.RolloutConfig config = io.brguard.policy.rollout.RolloutConfig.parse("policy.yaml", file);
                        assertEquals(io.brguard.policy.rollout.RolloutConfig.Mode.WARN, config.defaultMode());
                        assertEquals(io.brguard.policy.rollout.RolloutConfig.Mode.OFF, config.modeOf("cross.prefix-overlap"));
                        assertEquals(List.of("sandbox"), config.exemptNamespaces());
                    } catch (io.brguard.policy.rollout.RolloutConfig.Invalid e) {
                        throw new AssertionError("the webhook refuses the rendered policy: " + e.getMessage() + "\n" + file);
                    }
                }),
                new ValueRow("webhook.replicas", "webhook: {replicas: 5}", o -> assertEquals(5, named(o, "Deployment", "brguard-webhook").path("spec").path("replicas").asInt())),
                new ValueRow("webhook.zoneSpread", "webhook: {zoneSpread: DoNotSchedule}", o -> {
                    java.util.Map<String, String> byKey = new java.util.TreeMap<>();
                    podTemplate(o, "Deployment", "brguard-webhook").path("spec").path("topologySpreadConstraints").forEach(c ->
                            byKey.put(c.path("topologyKey").asString(), c.path("whenUnsatisfiable").asString()));
                    assertEquals(java.util.Map.of("kubernetes.io/hostname", "DoNotSchedule", "topology.kubernetes.io/zone", "DoNotSchedule"), byKey);
                }),
                new ValueRow("webhook.failurePolicy", "webhook: {failurePolicy: Fail}", o -> assertEquals("Fail",
                        named(o, "ValidatingWebhookConfiguration", "brguard").path("webhooks").get(0).path("failurePolicy").asString())),
                new ValueRow("webhook.timeoutSeconds", "webhook: {timeoutSeconds: 3}", o -> assertEquals(3,
                        named(o, "ValidatingWebhookConfiguration", "brguard").path("webhooks").get(0).path("timeoutSeconds").asInt())),
                new ValueRow("webhook.resources", "webhook: {resources: {limits: {memory: 384Mi}}}", o -> assertEquals("384Mi",
                        podTemplate(o, "Deployment", "brguard-webhook").path("spec").path("containers").get(0).path("resources").path("limits").path("memory").asString())),
                new ValueRow("webhook.heap", "webhook: {heap: 160m}", o -> {
                    String opts = javaOptions(podTemplate(o, "Deployment", "brguard-webhook"));
                    assertTrue(opts.contains("-Xmx160m") && !opts.contains("-Xmx96m"), opts);
                }),
                new ValueRow("controller.replicas", "install: standalone\ncontroller: {replicas: 1}", o -> assertEquals(1,
                        named(o, "Deployment", "brguard-controller").path("spec").path("replicas").asInt())),
                new ValueRow("controller.brImage", "install: standalone\ncontroller: {brImage: registry.example/br:v8.5.2}", o ->
                        assertTrue(o.toString().contains("--br-image=registry.example/br:v8.5.2"))),
                new ValueRow("controller.resources", "install: standalone\ncontroller: {resources: {limits: {memory: 512Mi}}}", o -> assertEquals("512Mi",
                        podTemplate(o, "Deployment", "brguard-controller").path("spec").path("containers").get(0).path("resources").path("limits").path("memory").asString())),
                new ValueRow("controller.heap", "install: standalone\ncontroller: {heap: 256m}", o -> {
                    String opts = javaOptions(podTemplate(o, "Deployment", "brguard-controller"));
                    assertTrue(opts.contains("-Xmx256m") && !opts.contains("-Xmx128m"), opts);
                }),
                new ValueRow("networkPolicy.enabled", "networkPolicy: {enabled: true}", o -> assertEquals(2, ManifestsTest.ofKind(o, "NetworkPolicy").size())),
                new ValueRow("networkPolicy.monitoringNamespace", "networkPolicy: {enabled: true, monitoringNamespace: observability}", o ->
                        assertTrue(named(o, "NetworkPolicy", "brguard-webhook").toString().contains("\"kubernetes.io/metadata.name\":\"observability\""))),
                new ValueRow("monitoring.enabled", "monitoring: {enabled: true}", o -> assertEquals(2, ManifestsTest.ofKind(o, "PodMonitor").size())),
                new ValueRow("monitoring.labels", "monitoring: {enabled: true, labels: {release: kube-prometheus-stack}}", o -> {
                    for (String kind : List.of("PodMonitor", "PrometheusRule")) {
                        ManifestsTest.ofKind(o, kind).forEach(x -> assertEquals("kube-prometheus-stack",
                                x.path("metadata").path("labels").path("release").asString(), kind));
                    }
                }),
                new ValueRow("monitoring.runbookBaseUrl", "monitoring: {enabled: true, runbookBaseUrl: 'https://git.example/brguard/runbooks.md'}", o ->
                        named(o, "PrometheusRule", "brguard").findValues("runbook_url").forEach(u ->
                                assertTrue(u.asString().startsWith("https://git.example/brguard/runbooks.md#brguard"), u.asString()))),
                new ValueRow("monitoring.grafanaDashboard", "monitoring: {grafanaDashboard: true}", o -> assertEquals("1",
                        named(o, "ConfigMap", "brguard-dashboard").path("metadata").path("labels").path("grafana_dashboard").asString())),
                new ValueRow("vap.enabled", "vap: {enabled: true}\npolicy: {exemptions: {namespaces: [sandbox]}}", o -> {
                    assertEquals(2, ManifestsTest.ofKind(o, "ValidatingAdmissionPolicy").size());
                    assertEquals(List.of(), VapTest.apiServerRefuses(o));
                    for (JsonNode b : ManifestsTest.ofKind(o, "ValidatingAdmissionPolicyBinding")) {
                        assertEquals("[\"Warn\",\"Audit\"]", b.path("spec").path("validationActions").toString());
                        assertEquals("[\"brguard\",\"kube-system\",\"sandbox\"]", b.path("spec").path("matchResources")
                                .path("namespaceSelector").path("matchExpressions").get(0).path("values").toString(),
                                "the namespaces the webhook exempts are left out");
                    }
                }),
                new ValueRow("vap.action", "vap: {enabled: true, action: Deny}", o -> ManifestsTest.ofKind(o, "ValidatingAdmissionPolicyBinding")
                        .forEach(b -> assertEquals("[\"Deny\",\"Audit\"]", b.path("spec").path("validationActions").toString())))));
        // Where each component's pods run, and what they carry: the same five values for the webhook, the controller
        // and the certs Job and CronJob.
        for (String c : List.of("webhook", "controller", "certs")) {
            String install = "install: standalone\n";
            rows.add(new ValueRow(c + ".nodeSelector", install + c + ": {nodeSelector: {pool: system}}", o -> pods(o, c).forEach(p ->
                    assertEquals("{\"pool\":\"system\"}", p.path("spec").path("nodeSelector").toString(), c))));
            rows.add(new ValueRow(c + ".tolerations", install + c + ": {tolerations: [{key: dedicated, operator: Equal, value: platform, effect: NoSchedule}]}",
                    o -> pods(o, c).forEach(p -> assertEquals("platform", p.path("spec").path("tolerations").get(0).path("value").asString(), c))));
            rows.add(new ValueRow(c + ".affinity", install + c + ": {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
                    + "{nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [system]}]}]}}}}", o -> pods(o, c).forEach(p -> {
                        JsonNode affinity = p.path("spec").path("affinity");
                        assertTrue(affinity.has("nodeAffinity") && !affinity.has("podAntiAffinity"), c + " takes the affinity given instead of its own: " + affinity);
                        if (c.equals("webhook")) {
                            assertEquals(2, p.path("spec").path("topologySpreadConstraints").size(), "the spread over nodes and zones stays");
                        }
                    })));
            rows.add(new ValueRow(c + ".priorityClassName", install + c + ": {priorityClassName: platform-high}", o -> pods(o, c).forEach(p ->
                    assertEquals("platform-high", p.path("spec").path("priorityClassName").asString(), c))));
            rows.add(new ValueRow(c + ".podAnnotations", install + c + ": {podAnnotations: {cluster-autoscaler.kubernetes.io/safe-to-evict: 'true'}}",
                    o -> pods(o, c).forEach(p -> assertEquals("true", p.path("metadata").path("annotations")
                            .path("cluster-autoscaler.kubernetes.io/safe-to-evict").asString(), c))));
        }
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("valueRowNames")
    void everyValueReachesWhatItIsFor(String key) {
        ValueRow row = valueRows().stream().filter(r -> r.key().equals(key)).findFirst().orElseThrow();
        List<JsonNode> objects = templateWithValues("brguard", row.values());
        row.check().accept(objects);
        // and the rendering still keeps the invariants of every install
        List<String> problems = new ArrayList<>();
        for (JsonNode o : objects) {
            String kind = o.path("kind").asString();
            if (!o.path("apiVersion").asString().startsWith("cert-manager.io/") && !o.path("apiVersion").asString().startsWith("monitoring.coreos.com/")) {
                ManifestsTest.unknownFields(key + " " + kind + "/" + o.path("metadata").path("name").asString(), ManifestsTest.typed(o), problems,
                        new java.util.IdentityHashMap<>());
            }
        }
        assertEquals(List.of(), problems, "fields the Kubernetes schema does not know");
    }

    static List<String> valueRowNames() {
        return valueRows().stream().map(ValueRow::key).toList();
    }

    /** A value without a row above fails here: values.yaml and values.schema.json declare nothing untested. */
    @Test
    void everyValueTheSchemaDeclaresHasARow() {
        JsonNode schema = Json.JSON.readTree(Fixtures.read("charts/brguard/values.schema.json"));
        java.util.Set<String> declared = new java.util.TreeSet<>();
        leaves("", schema, declared);
        java.util.Set<String> covered = new java.util.TreeSet<>(valueRowNames());
        assertEquals(declared, covered);
        java.util.Set<String> inValuesYaml = new java.util.TreeSet<>();
        valueLeaves("", Fixtures.object("charts/brguard/values.yaml"), inValuesYaml);
        assertEquals(declared, inValuesYaml, "values.yaml shows every value with its default");
    }

    private static void leaves(String prefix, JsonNode schema, java.util.Set<String> out) {
        for (var e : schema.path("properties").properties()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().has("properties")) {
                leaves(key, e.getValue(), out);
            } else {
                out.add(key);
            }
        }
    }

    private static void valueLeaves(String prefix, JsonNode values, java.util.Set<String> out) {
        for (var e : values.properties()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            boolean nested = e.getValue().isObject() && !e.getValue().isEmpty()
                    && !List.of("webhook.resources", "controller.resources").contains(key);
            if (nested) {
                valueLeaves(key, e.getValue(), out);
            } else {
                out.add(key);
            }
        }
    }

    /** The chart's policy schema is the webhook's own (policy-config.schema.json), in draft-07 words. */
    @Test
    void thePolicyValueIsCheckedAgainstThePolicyConfigurationsOwnSchema() {
        JsonNode values = Json.JSON.readTree(Fixtures.read("charts/brguard/values.schema.json"));
        JsonNode own = Json.JSON.readTree(Fixtures.read("policy/src/main/resources/io/brguard/policy/rollout/policy-config.schema.json"));
        String ownText = own.toString().replace("#/$defs/", "#/definitions/");
        ObjectNode expected = (ObjectNode) Json.JSON.readTree(ownText);
        JsonNode defs = expected.remove("$defs");
        expected.remove(List.of("$schema", "title", "required"));
        assertEquals(expected, values.path("definitions").path("policyConfig"), "apiVersion and kind are optional in values, the rest is the same");
        defs.properties().forEach(e -> assertEquals(e.getValue(), values.path("definitions").path(e.getKey()), e.getKey()));
        for (String bad : List.of("policy: {enforcement: {default: Maybe}}", "policy: {enforcement: {families: {fields: Warn}}}",
                "policy: {exemptions: {namespaces: [Not_A_Namespace]}}", "policy: {breakglass: {users: [me]}}", "policy: {kind: Policy}")) {
            Exception e = assertThrows(Exception.class, () -> templateWithValues("brguard", bad), bad);
            assertTrue(e.getMessage().contains("values don't meet the specifications of the schema"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void valuesOutsideTheSchemaAreRefused() {
        for (Map<String, String> bad : List.of(Map.of("webhook.failurePolicy", "Maybe"), Map.of("install", "everything"),
                Map.of("certificates", "vault"), Map.of("webhook.timeoutSeconds", "60"), Map.of("webhook.replica", "3"),
                Map.of("webhook.heap", "lots"), Map.of("controller.priorityClassName", "system-cluster-critical"),
                Map.of("monitoring.grafana", "true"), Map.of("vap.action", "Audit"))) {
            String key = bad.keySet().iterator().next();
            Exception e = assertThrows(Exception.class, () -> template("brguard", bad), key);
            String field = key.substring(key.lastIndexOf('.') + 1);
            assertTrue(e.getMessage().contains("values don't meet the specifications of the schema") && e.getMessage().contains(field),
                    key + ": " + e.getMessage());
        }
    }

    @Test
    void helmKeepsTheCrdOnUninstall() {
        for (JsonNode crd : ManifestsTest.ofKind(template("brguard", Map.of("install", "standalone")), "CustomResourceDefinition")) {
            assertEquals("keep", crd.path("metadata").path("annotations").path("helm.sh/resource-policy").asString(),
                    "helm uninstall would delete every object of " + crd.path("metadata").path("name").asString());
        }
        assertTrue(ManifestsTest.ofKind(template("brguard", Map.of()), "CustomResourceDefinition").isEmpty(),
                "the schedules install leaves the CRDs to TiDB Operator");
        // A Job's pod template is immutable: a new image tag must make a new Job, or `helm upgrade` fails on it.
        JsonNode job = ManifestsTest.ofKind(template("brguard", Map.of("image.tag", "0.2.0_RC.1")), "Job").get(0);
        assertEquals("brguard-certs-init-0-2-0-rc-1", job.path("metadata").path("name").asString());
    }

    /** Objects by kind/namespace/name, without what only one of the tools adds (its labels and hook annotations). */
    private static Map<String, JsonNode> byKey(List<JsonNode> objects) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode o : objects) {
            ObjectNode copy = (ObjectNode) o.deepCopy();
            ObjectNode meta = (ObjectNode) copy.path("metadata");
            strip(meta, "labels", List.of("helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance"));
            strip(meta, "annotations", List.of("helm.sh/", "argocd.argoproj.io/", "kustomize.toolkit.fluxcd.io/"));
            String key = copy.path("kind").asString() + "/" + meta.path("namespace").asString("") + "/" + meta.path("name").asString();
            assertEquals(null, out.put(key, copy), "two objects " + key);
        }
        return out;
    }

    private static void strip(ObjectNode meta, String field, List<String> prefixes) {
        if (meta.path(field) instanceof ObjectNode map) {
            List<String> drop = new ArrayList<>();
            map.properties().forEach(e -> {
                if (prefixes.stream().anyMatch(e.getKey()::startsWith)) {
                    drop.add(e.getKey());
                }
            });
            drop.forEach(map::remove);
            if (map.isEmpty()) {
                meta.remove(field);
            }
        }
    }
}
