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

    @ParameterizedTest(name = "{0} renders as the {1} overlay")
    @CsvSource({
            "'', schedules",
            "install=webhook-only, webhook-only",
            "install=standalone, standalone",
            "install=webhook-only;certificates=cert-manager, cert-manager",
            "install=webhook-only;networkPolicy.enabled=true, network-policy",
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
                "image.tag", "0.1.0-rc1", "image.pullPolicy", "Always", "webhook.replicas", "3", "webhook.failurePolicy", "Ignore",
                "controller.brImage", "pingcap/br:v8.5.2"));
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
        assertEquals(3, webhook.path("spec").path("replicas").asInt());
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

    @Test
    void valuesOutsideTheSchemaAreRefused() {
        for (Map<String, String> bad : List.of(Map.of("webhook.failurePolicy", "Maybe"), Map.of("install", "everything"),
                Map.of("certificates", "vault"), Map.of("webhook.timeoutSeconds", "60"), Map.of("webhook.replica", "3"))) {
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
