package io.brguard.cli;

import io.brguard.policy.Json;
import io.brguard.policy.Operation;
import io.brguard.policy.Policy;
import io.brguard.policy.SpecSchema;
import io.brguard.policy.Verdict;
import io.brguard.policy.Violation;
import io.brguard.policy.testing.FixtureLookups;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The install as docs/operations.md writes it (between its install markers), rendered and judged: the image comes
 * first, then the apply, the wait, a dry run brguard must deny, and only then fail-closed; nothing a first apply
 * renders (any overlay, the Helm chart's defaults, the docs' own overlay) has a webhook that fails closed, so
 * applying brguard cannot block a Backup write before it answers; and step 5 changes the validating webhook's
 * failurePolicy and nothing else.
 */
class InstallTest {
    private static final String DOC = "docs/operations.md";

    static String steps() {
        String doc = Fixtures.read(DOC);
        int start = doc.indexOf("<!-- install:start -->");
        int end = doc.indexOf("<!-- install:end -->");
        assertTrue(start >= 0 && end > start, DOC + " marks its install steps");
        return doc.substring(start, end);
    }

    /** The code blocks of the install steps, in order. */
    static List<String> blocks() {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?s)```\\n(.*?)\\n\\s*```").matcher(steps());
        while (m.find()) {
            out.add(m.group(1).replaceAll("(?m)^   ", ""));
        }
        return out;
    }

    @Test
    void theStepsGoImageApplyWaitDenyThenFailClosed() {
        String steps = steps();
        List<Integer> numbers = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^(\\d)\\. \\*\\*").matcher(steps);
        while (m.find()) {
            numbers.add(Integer.parseInt(m.group(1)));
        }
        assertEquals(List.of(1, 2, 3, 4, 5), numbers);
        List<String> order = List.of("docker build", "docker push", "create secret docker-registry", "newName: registry.example.com",
                "kubectl apply -k", "wait --for=condition=complete job", "rollout status deploy/brguard-webhook",
                "kubectl apply --dry-run=server", "denied the request: secret.missing", "components/fail-closed",
                "webhook.failurePolicy=Fail");
        int at = -1;
        for (String s : order) {
            int i = steps.indexOf(s, at + 1);
            assertTrue(i > at, "'" + s + "' comes after what precedes it in the install: " + order);
            at = i;
        }
        assertTrue(steps.indexOf("image.repository=") < steps.indexOf("2. **Apply"), "Helm's image values are in step 1");
    }

    /** Every rendering of a first install leaves Backup writes alone while brguard cannot answer. */
    @Test
    void nothingAFirstApplyRendersFailsClosed() throws IOException {
        Map<String, List<JsonNode>> installs = new TreeMap<>();
        for (String overlay : List.of("webhook-only", "standalone", "cert-manager", "network-policy")) {
            installs.put(overlay, ManifestsTest.render(overlay));
        }
        installs.put("helm defaults", HelmChartTest.template("brguard", Map.of()));
        installs.put("helm standalone, cert-manager", HelmChartTest.template("brguard", Map.of("install", "standalone", "certificates", "cert-manager")));
        installs.put("the docs' overlay", docsOverlay(false));
        for (var e : installs.entrySet()) {
            List<JsonNode> objects = e.getValue();
            int webhooks = 0;
            for (JsonNode config : objects) {
                if (config.path("kind").asString().endsWith("WebhookConfiguration")) {
                    for (JsonNode w : config.path("webhooks")) {
                        webhooks++;
                        assertEquals("Ignore", w.path("failurePolicy").asString(), e.getKey() + " " + w.path("name").asString());
                    }
                }
            }
            assertEquals(2, webhooks, e.getKey());
            // kubectl applies a stream in order: what the webhooks call is there before they are.
            int service = indexOf(objects, "Service", "brguard-webhook");
            int deployment = indexOf(objects, "Deployment", "brguard-webhook");
            int validating = indexOf(objects, "ValidatingWebhookConfiguration", "brguard");
            assertTrue(service >= 0 && deployment >= 0 && service < validating && deployment < validating,
                    e.getKey() + ": the Service and Deployment come before the webhook configuration");
        }
    }

    @Test
    void theDocsOverlayPullsEveryImageFromTheRegistryOfStepOne() throws IOException {
        List<JsonNode> objects = docsOverlay(false);
        int containers = 0;
        for (JsonNode o : objects) {
            for (JsonNode image : o.findValues("image")) {
                containers++;
                assertEquals("registry.example.com/platform/brguard:0.1.0", image.asString(), o.path("metadata").path("name").asString());
            }
        }
        assertEquals(4, containers, "webhook, controller, certs Job and CronJob");
        for (JsonNode sa : ManifestsTest.ofKind(objects, "ServiceAccount")) {
            assertEquals("brguard-registry", sa.path("imagePullSecrets").get(0).path("name").asString());
        }
        String step1 = blocks().get(0);
        assertTrue(step1.contains("create secret docker-registry brguard-registry"), "step 1 creates the Secret the component names");
    }

    /** Step 5 adds fail-closed: the validating webhook fails closed, and nothing else changes. */
    @Test
    void stepFiveChangesTheValidatingFailurePolicyAndNothingElse() throws IOException {
        List<JsonNode> before = docsOverlay(false);
        List<JsonNode> after = docsOverlay(true);
        assertEquals(before.size(), after.size());
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) {
            if (!Json.sameMeaning(before.get(i), after.get(i))) {
                changed.add(after.get(i).path("kind").asString() + "/" + after.get(i).path("metadata").path("name").asString());
            }
        }
        assertEquals(List.of("ValidatingWebhookConfiguration/brguard"), changed);
        JsonNode validating = ManifestsTest.ofKind(after, "ValidatingWebhookConfiguration").get(0);
        for (JsonNode w : validating.path("webhooks")) {
            assertEquals("Fail", w.path("failurePolicy").asString(), "every validating webhook fails closed: " + w.path("name"));
        }
        ObjectNode expected = (ObjectNode) ManifestsTest.ofKind(before, "ValidatingWebhookConfiguration").get(0).deepCopy();
        expected.path("webhooks").forEach(w -> ((ObjectNode) w).put("failurePolicy", "Fail"));
        assertTrue(Json.sameMeaning(expected, validating), validating.toString());
        assertEquals("Ignore", ManifestsTest.ofKind(after, "MutatingWebhookConfiguration").get(0).path("webhooks").get(0)
                .path("failurePolicy").asString(), "the mutating webhook only fills defaults");
    }

    /**
     * Step 4's Backup passes the CRD's own schema (the API server validates it before any webhook, so a schema error
     * would be refused without reaching brguard and prove nothing) and is denied by brguard for the one reason the
     * docs quote, the Secret it names not existing.
     */
    @Test
    void stepFoursBackupIsDeniedByBrguardAndByNothingBefore() {
        String block = blocks().stream().filter(b -> b.contains("--dry-run=server")).findFirst().orElseThrow();
        String yaml = block.substring(block.indexOf("<<'EOF'\n") + 8, block.lastIndexOf("\nEOF"));
        JsonNode backup = Json.YAML.readTree(yaml);
        assertEquals(List.of(), SpecSchema.validate(backup.path("spec")), "the CRD's schema accepts it");
        assertEquals(List.of(), CrdSchema.of(Fixtures.object("manifests/crd/backups.br.pingcap.com.yaml")).problems(backup), "brguard's CRD accepts it");
        FixtureLookups noSecrets = FixtureLookups.of(Json.YAML.readTree("{secrets: {}, backups: []}"), x -> x);
        Verdict v = new Policy().decide(Operation.CREATE, null, backup, noSecrets);
        assertFalse(v.allowed());
        assertEquals(List.of("secret.missing"), v.violations().stream().map(Violation::ruleId).toList());
        String quoted = steps().substring(steps().indexOf("denied the request: ") + "denied the request: ".length());
        quoted = quoted.substring(0, quoted.indexOf("...")).replaceAll("\\s+", " ").strip();
        assertTrue(v.denialMessage().startsWith(quoted), "the docs quote the denial: " + quoted + " / " + v.denialMessage());
    }

    /** The overlay of step 1 as a team would keep it, with `<brguard>` pointing at this repository. */
    static List<JsonNode> docsOverlay(boolean failClosed) throws IOException {
        String block = blocks().stream().filter(b -> b.contains("kind: Kustomization")).findFirst().orElseThrow();
        String kustomization = block.replace("<brguard>", "../../..");
        if (failClosed) {
            kustomization = kustomization.replace("components:\n", "components:\n- ../../../manifests/components/fail-closed\n");
        }
        Path dir = Fixtures.path("cli/target/install-" + (failClosed ? "step5" : "step1"));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("kustomization.yaml"), kustomization);
        return ManifestsTest.renderDir(dir);
    }

    private static int indexOf(List<JsonNode> objects, String kind, String name) {
        for (int i = 0; i < objects.size(); i++) {
            if (objects.get(i).path("kind").asString().equals(kind) && objects.get(i).path("metadata").path("name").asString().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
