package io.brguard.cli;

import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.vap.AdmissionPolicies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code brguard vap} and what ships from it: manifests/components/vap and the chart's files/vap are its output byte
 * for byte, the component's documented Deny patch is the one the test overlay applies, and the rendered objects keep
 * what the API server asks of these kinds before it stores them (k8s.io/kubernetes
 * pkg/apis/admissionregistration/validation/validation.go, ValidateValidatingAdmissionPolicy and
 * ValidateValidatingAdmissionPolicyBinding). Their fields are bound to Kubernetes' schema in ManifestsTest; their CEL
 * runs over the policy's cases in the policy module (AdmissionPolicyCasesTest).
 */
class VapTest {
    private static final String COMPONENT = "manifests/components/vap";

    private static String[] run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void theComponentAndTheChartHoldWhatTheCommandGenerates() throws IOException {
        Map<String, String> generated = AdmissionPolicies.files(AdmissionPolicies.Action.WARN, "brguard", List.of());
        Set<String> shipped = new TreeSet<>();
        try (var files = Files.list(Fixtures.path(COMPONENT))) {
            files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("kustomization.yaml")).forEach(shipped::add);
        }
        assertEquals(new TreeSet<>(generated.keySet()), shipped, "the component holds exactly the generated files");
        List<String> stale = new ArrayList<>();
        generated.forEach((name, text) -> {
            if (!text.equals(Fixtures.read(COMPONENT + "/" + name))) {
                stale.add(name);
            }
            if (name.startsWith("policy-") && !text.equals(Fixtures.read("charts/brguard/files/vap/" + name))) {
                stale.add("charts/brguard/files/vap/" + name);
            }
        });
        assertEquals(List.of(), stale, "out of date: run brguard vap --write manifests/components/vap and copy the "
                + "policy files to charts/brguard/files/vap");
        String kustomization = Fixtures.read(COMPONENT + "/kustomization.yaml");
        generated.keySet().forEach(f -> assertTrue(kustomization.contains("- " + f + "\n"), f + " is not in the component"));
    }

    @Test
    void theCommandPrintsTheObjectsWithTheActionAskedFor() {
        String[] warn = run("vap");
        assertEquals("0", warn[0], warn[2]);
        assertEquals(AdmissionPolicies.stream(AdmissionPolicies.Action.WARN, "brguard", List.of()), warn[1]);
        String[] deny = run("vap", "--action", "Deny", "-n", "tidb-guard", "--exclude-namespace", "sandbox");
        assertEquals("0", deny[0], deny[2]);
        List<JsonNode> objects = io.brguard.policy.Manifests.parse("vap", deny[1]).documents().stream()
                .map(io.brguard.policy.Manifests.Document::tree).toList();
        assertEquals(4, objects.size());
        for (JsonNode b : ManifestsTest.ofKind(objects, "ValidatingAdmissionPolicyBinding")) {
            assertEquals("[\"Deny\",\"Audit\"]", b.path("spec").path("validationActions").toString());
            assertEquals("[\"tidb-guard\",\"kube-system\",\"sandbox\"]", b.path("spec").path("matchResources")
                    .path("namespaceSelector").path("matchExpressions").get(0).path("values").toString());
        }
        String[] bad = run("vap", "--action", "Audit");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("not an action: Audit (Warn or Deny)"), bad[2]);
    }

    @Test
    void writeLeavesOneFilePerObject(@TempDir Path dir) throws IOException {
        String[] r = run("vap", "--write", dir.toString());
        assertEquals("0", r[0], r[2]);
        Map<String, String> generated = AdmissionPolicies.files(AdmissionPolicies.Action.WARN, "brguard", List.of());
        for (Map.Entry<String, String> f : generated.entrySet()) {
            assertEquals(f.getValue(), Files.readString(dir.resolve(f.getKey())));
        }
        String[] missing = run("vap", "--write", dir.resolve("nowhere").toString());
        assertEquals("2", missing[0]);
        assertTrue(missing[2].contains("is not a directory"), missing[2]);
    }

    /** The Deny patch the component's comment offers is the one the vap-deny test overlay applies. */
    @Test
    void theDocumentedDenyPatchIsTheOneTested() {
        String documented = Fixtures.read(COMPONENT + "/kustomization.yaml").lines().filter(l -> l.contains("\"op\": \"replace\""))
                .map(l -> l.replaceFirst("^#\\s*", "").trim()).findFirst().orElseThrow();
        String tested = Fixtures.read("cli/src/test/resources/overlays/vap-deny/kustomization.yaml").lines()
                .filter(l -> l.contains("\"op\": \"replace\"")).map(String::trim).findFirst().orElseThrow();
        assertEquals(documented, tested);
        for (JsonNode b : ManifestsTest.ofKind(ManifestsTest.render("vap-deny"), "ValidatingAdmissionPolicyBinding")) {
            assertEquals("[\"Deny\",\"Audit\"]", b.path("spec").path("validationActions").toString());
        }
    }

    /** What validation.go refuses in these kinds, checked on every rendering that carries them. */
    static List<String> apiServerRefuses(List<JsonNode> objects) {
        List<String> problems = new ArrayList<>();
        Set<String> policies = new TreeSet<>();
        for (JsonNode p : ManifestsTest.ofKind(objects, "ValidatingAdmissionPolicy")) {
            String name = p.path("metadata").path("name").asString();
            policies.add(name);
            JsonNode spec = p.path("spec");
            if (!Set.of("Fail", "Ignore").contains(spec.path("failurePolicy").asString())) {
                problems.add(name + ": failurePolicy " + spec.path("failurePolicy"));
            }
            for (JsonNode rule : spec.path("matchConstraints").path("resourceRules")) {
                for (String f : List.of("apiGroups", "apiVersions", "operations", "resources")) {
                    if (rule.path(f).isEmpty()) {
                        problems.add(name + ": resourceRules without " + f);
                    }
                }
                rule.path("operations").forEach(o -> {
                    if (!Set.of("CREATE", "UPDATE", "DELETE", "CONNECT", "*").contains(o.asString())) {
                        problems.add(name + ": operation " + o);
                    }
                });
            }
            if (spec.path("validations").isEmpty()) {
                problems.add(name + ": neither validations nor auditAnnotations");
            }
            Set<String> variables = new TreeSet<>();
            for (JsonNode v : spec.path("variables")) {
                if (!v.path("name").asString().matches("[_a-zA-Z][_a-zA-Z0-9]*") || !variables.add(v.path("name").asString())
                        || v.path("expression").asString().isBlank()) {
                    problems.add(name + ": variable " + v.path("name"));
                }
            }
            for (JsonNode v : spec.path("validations")) {
                String message = v.path("message").asString("");
                if (v.path("expression").asString().isBlank() || message.isBlank() || message.contains("\n")
                        || message.contains("\r") || v.has("messageExpression") && v.path("messageExpression").asString().isBlank()) {
                    problems.add(name + ": validation " + message);
                }
            }
        }
        for (JsonNode b : ManifestsTest.ofKind(objects, "ValidatingAdmissionPolicyBinding")) {
            String name = b.path("metadata").path("name").asString();
            JsonNode spec = b.path("spec");
            if (!policies.contains(spec.path("policyName").asString())) {
                problems.add(name + ": binds " + spec.path("policyName") + ", which is not rendered beside it");
            }
            List<String> actions = new ArrayList<>();
            spec.path("validationActions").forEach(a -> actions.add(a.asString()));
            if (actions.isEmpty() || actions.size() != new TreeSet<>(actions).size()
                    || !Set.of("Deny", "Warn", "Audit").containsAll(actions) || actions.contains("Deny") && actions.contains("Warn")) {
                problems.add(name + ": validationActions " + actions);
            }
            for (JsonNode e : spec.path("matchResources").path("namespaceSelector").path("matchExpressions")) {
                if (!e.path("operator").asString().equals("NotIn") || e.path("values").isEmpty()) {
                    problems.add(name + ": namespaceSelector " + e);
                }
            }
        }
        return problems;
    }

    @Test
    void theRenderedObjectsAreOnesTheApiServerStores() {
        for (String overlay : List.of("vap", "vap-deny")) {
            List<JsonNode> objects = ManifestsTest.render(overlay);
            assertEquals(2, ManifestsTest.ofKind(objects, "ValidatingAdmissionPolicy").size(), overlay);
            assertEquals(2, ManifestsTest.ofKind(objects, "ValidatingAdmissionPolicyBinding").size(), overlay);
            assertEquals(List.of(), apiServerRefuses(objects), overlay);
        }
        // and the check itself refuses what the API server refuses
        List<JsonNode> bad = new ArrayList<>(ManifestsTest.render("vap-deny"));
        tools.jackson.databind.node.ObjectNode binding = (tools.jackson.databind.node.ObjectNode) ManifestsTest
                .ofKind(bad, "ValidatingAdmissionPolicyBinding").get(0).deepCopy();
        binding.withObjectProperty("spec").putArray("validationActions").add("Deny").add("Warn");
        bad.add(binding);
        assertFalse(apiServerRefuses(bad).isEmpty());
    }

    /**
     * The bindings judge the objects the webhook judges (not brguard's namespace, not kube-system), of every kind
     * with a fallback policy.
     */
    @Test
    void theBindingsLeaveOutWhatTheWebhookLeavesOut() {
        List<JsonNode> objects = ManifestsTest.render("vap");
        JsonNode webhook = ManifestsTest.ofKind(objects, "ValidatingWebhookConfiguration").get(0).path("webhooks").get(0);
        for (JsonNode b : ManifestsTest.ofKind(objects, "ValidatingAdmissionPolicyBinding")) {
            assertEquals(webhook.path("namespaceSelector"), b.path("spec").path("matchResources").path("namespaceSelector"));
        }
        Set<String> matched = new TreeSet<>();
        for (JsonNode p : ManifestsTest.ofKind(objects, "ValidatingAdmissionPolicy")) {
            p.path("spec").path("matchConstraints").path("resourceRules").forEach(r -> r.path("resources").forEach(x -> matched.add(x.asString())));
        }
        Set<String> judged = new TreeSet<>(io.brguard.policy.Kinds.plurals());
        judged.remove("restores"); // no fallback for Restores (docs/rules.md, the fallback's coverage)
        assertEquals(judged, matched, "every kind the webhook judges but Restores");
    }

    @Test
    void theChartRefusesToDenyWhatThePolicyOnlyWarnsAbout() {
        Exception e = assertThrows(Exception.class, () -> HelmChartTest.templateWithValues("brguard",
                "vap: {enabled: true, action: Deny}\npolicy: {enforcement: {default: Warn}}"));
        assertTrue(e.getMessage().contains("vap.action Deny would refuse what policy.enforcement.default Warn lets through"), e.getMessage());
        assertEquals(2, ManifestsTest.ofKind(HelmChartTest.templateWithValues("brguard",
                "vap: {enabled: true, action: Warn}\npolicy: {enforcement: {default: Warn}}"), "ValidatingAdmissionPolicyBinding").size());
    }
}
