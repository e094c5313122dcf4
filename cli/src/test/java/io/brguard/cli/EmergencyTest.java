package io.brguard.cli;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.rollout.RolloutConfig;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emergency procedure of docs/operations.md, run as far as it runs without a cluster: each `kubectl patch` it
 * writes is applied by kubectl itself (`--local`) to the object it names, as shipped or rendered, and the result
 * is judged (Argo CD's Application without automated sync, Flux's Kustomization suspended, a policy file the
 * webhook accepts with nothing enforced, every validating webhook failing open, the fallback's bindings warning
 * instead of refusing); each object a command deletes or
 * copies exists under that name; the suspension comes before any switch and the resumption restores what Git holds.
 * Not run: the argocd and flux CLIs the prose names beside the kubectl commands.
 */
class EmergencyTest {
    record Command(String section, String line) {
    }

    static List<Command> commands() {
        String doc = Fixtures.read("docs/operations.md");
        List<Command> out = new ArrayList<>();
        for (String section : List.of("suspend", "switch", "resume")) {
            int start = doc.indexOf("<!-- emergency:" + section + ":start -->");
            int end = doc.indexOf("<!-- emergency:" + section + ":end -->");
            assertTrue(start >= 0 && end > start, "docs/operations.md marks the emergency step " + section);
            for (String line : doc.substring(start, end).split("\n")) {
                if (line.startsWith("kubectl ")) {
                    out.add(new Command(section, line));
                }
            }
        }
        return out;
    }

    /** The documented sections come in this order in the document: suspend, switch, resume. */
    @Test
    void theToolsAreSuspendedBeforeAnySwitchAndResumedAfter() {
        String doc = Fixtures.read("docs/operations.md");
        int suspend = doc.indexOf("<!-- emergency:suspend:start -->");
        int switches = doc.indexOf("<!-- emergency:switch:start -->");
        int resume = doc.indexOf("<!-- emergency:resume:start -->");
        assertTrue(suspend < switches && switches < resume);
        List<Command> all = commands();
        assertEquals(List.of("argocd/application/brguard", "flux-system/kustomization/brguard"),
                all.stream().filter(c -> c.section().equals("suspend")).map(c -> target(c.line())).toList(),
                "both GitOps tools that ship a brguard object are suspended");
    }

    @Test
    void argoCdKeepsItsHandsOffUntilResumedAndThenSyncsAsGitSays() throws Exception {
        JsonNode shipped = Fixtures.object("manifests/gitops/argocd/application-brguard.yaml");
        assertTrue(shipped.path("spec").path("syncPolicy").path("automated").path("selfHeal").asBoolean(),
                "the shipped Application self-heals, which is why it must be suspended");
        JsonNode suspended = patch(shipped, only("suspend", "application"));
        assertTrue(suspended.path("spec").path("syncPolicy").path("automated").isMissingNode(),
                "no automated sync, so no self-heal: " + suspended.path("spec").path("syncPolicy"));
        assertEquals(shipped.path("spec").path("syncPolicy").path("retry"), suspended.path("spec").path("syncPolicy").path("retry"));
        assertEquals(shipped.path("spec").path("ignoreDifferences"), suspended.path("spec").path("ignoreDifferences"));
        JsonNode resumed = patch(suspended, only("resume", "application"));
        assertTrue(Json.sameMeaning(shipped, resumed), "resuming restores the shipped Application: " + resumed);
    }

    @Test
    void fluxSuspendsTheShippedKustomizationAndResumesIt() throws Exception {
        JsonNode shipped = Fixtures.object("manifests/gitops/flux/kustomization-brguard.yaml");
        CrdSchema crd = CrdSchema.load("/gitops/kustomize.toolkit.fluxcd.io_kustomizations.yaml");
        assertEquals(List.of(), crd.problems(shipped));
        assertEquals(List.of(), crd.problems(Fixtures.object("manifests/gitops/flux/kustomization-backups.yaml")));
        JsonNode suspended = patch(shipped, only("suspend", "kustomization"));
        assertTrue(suspended.path("spec").path("suspend").asBoolean());
        assertEquals(List.of(), crd.problems(suspended));
        JsonNode resumed = patch(suspended, only("resume", "kustomization"));
        assertFalse(resumed.path("spec").path("suspend").asBoolean(true));
        JsonNode backups = Fixtures.object("manifests/gitops/flux/kustomization-backups.yaml");
        assertEquals(shipped.path("metadata").path("name").asString(), backups.path("spec").path("dependsOn").get(0).path("name").asString(),
                "the Backups wait for brguard");
    }

    /** Switch a: the file the webhook reads then enforces nothing and still reports everything (its own parser). */
    @Test
    void thePolicySwitchLeavesAFileTheWebhookAcceptsWithNothingEnforced() throws Exception {
        JsonNode configMap = named(ManifestsTest.render("webhook-only"), "ConfigMap", "brguard-policy");
        JsonNode patched = patch(configMap, only("switch", "configmap"));
        RolloutConfig config = RolloutConfig.parse("policy.yaml", patched.path("data").path("policy.yaml").asString());
        assertEquals(RolloutConfig.Mode.WARN, config.defaultMode());
        for (String rule : List.of("secret.missing", "transition.stopped-is-terminal", "cross.prefix-overlap")) {
            assertEquals(RolloutConfig.Mode.WARN, config.modeOf(rule), rule);
        }
        assertEquals(configMap.path("metadata"), patched.path("metadata"));
    }

    /** Switch b, on the fail-closed install it is for: every validating webhook then fails open. */
    @Test
    void theFailurePolicySwitchOpensEveryValidatingWebhook() throws Exception {
        JsonNode failClosed = named(ManifestsTest.render("fail-closed"), "ValidatingWebhookConfiguration", "brguard");
        assertTrue(failClosed.findValues("failurePolicy").stream().allMatch(f -> f.asString().equals("Fail")));
        JsonNode patched = patch(failClosed, only("switch", "validatingwebhookconfiguration"));
        assertFalse(patched.path("webhooks").isEmpty());
        for (JsonNode w : patched.path("webhooks")) {
            assertEquals("Ignore", w.path("failurePolicy").asString(), w.path("name").asString());
        }
        assertEquals(failClosed.path("webhooks").size(), patched.path("webhooks").size(), "the patch merges by webhook name");
        assertEquals(failClosed.path("webhooks").get(0).path("rules"), patched.path("webhooks").get(0).path("rules"));
    }

    /**
     * The fallback's switch, on the install where it refuses (vap-deny): each binding is patched, by its name, to warn
     * and audit only, and still binds its policy over the same namespaces.
     */
    @Test
    void theFallbackSwitchMakesEveryBindingWarnInsteadOfRefusing() throws Exception {
        List<JsonNode> bindings = ManifestsTest.ofKind(ManifestsTest.render("vap-deny"), "ValidatingAdmissionPolicyBinding");
        List<Command> switches = commands().stream().filter(c -> c.section().equals("switch")
                && c.line().startsWith("kubectl patch validatingadmissionpolicybinding ")).toList();
        assertEquals(bindings.stream().map(b -> b.path("metadata").path("name").asString()).sorted().toList(),
                switches.stream().map(c -> target(c.line()).substring("-/validatingadmissionpolicybinding/".length())).sorted().toList(),
                "one switch for each binding the component ships");
        for (JsonNode binding : bindings) {
            assertEquals("[\"Deny\",\"Audit\"]", binding.path("spec").path("validationActions").toString());
            Command c = switches.stream().filter(x -> target(x.line()).endsWith("/" + binding.path("metadata").path("name").asString()))
                    .findFirst().orElseThrow();
            JsonNode patched = patch(binding, c);
            assertEquals("[\"Warn\",\"Audit\"]", patched.path("spec").path("validationActions").toString());
            assertEquals(binding.path("spec").path("policyName"), patched.path("spec").path("policyName"));
            assertEquals(binding.path("spec").path("matchResources"), patched.path("spec").path("matchResources"));
            assertEquals(List.of(), VapTest.apiServerRefuses(List.of(ManifestsTest.ofKind(ManifestsTest.render("vap-deny"),
                    "ValidatingAdmissionPolicy").get(0), ManifestsTest.ofKind(ManifestsTest.render("vap-deny"),
                    "ValidatingAdmissionPolicy").get(1), patched)));
        }
    }

    /** Switch c and the caBundle afterwards: the objects named exist under those names in every install. */
    @Test
    void whatTheStepsDeleteOrCopyExists() {
        for (String overlay : List.of("webhook-only", "standalone", "network-policy")) {
            List<JsonNode> objects = ManifestsTest.render(overlay);
            for (Command c : commands()) {
                Matcher delete = Pattern.compile("^kubectl delete (\\S+) (\\S+)$").matcher(c.line());
                if (delete.matches()) {
                    assertFalse(ManifestsTest.ofKind(objects, kindOf(delete.group(1))).stream()
                            .noneMatch(o -> o.path("metadata").path("name").asString().equals(delete.group(2))), overlay + ": " + c.line());
                }
                Matcher copy = Pattern.compile("--from=cronjob/(\\S+)").matcher(c.line());
                if (copy.find()) {
                    named(objects, "CronJob", copy.group(1));
                    assertTrue(c.line().startsWith("kubectl -n brguard "), c.line());
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String kindOf(String resource) {
        return switch (resource) {
            case "validatingwebhookconfiguration" -> "ValidatingWebhookConfiguration";
            case "mutatingwebhookconfiguration" -> "MutatingWebhookConfiguration";
            default -> throw new AssertionError("a command deletes a " + resource);
        };
    }

    /** "namespace/resource/name" of a kubectl patch line ("-" for a cluster-wide object). */
    private static String target(String line) {
        Matcher m = Pattern.compile("^kubectl (?:-n (\\S+) )?patch (\\S+) (\\S+)").matcher(line);
        assertTrue(m.find(), line);
        return (m.group(1) == null ? "-" : m.group(1)) + "/" + m.group(2) + "/" + m.group(3);
    }

    private static Command only(String section, String resource) {
        List<Command> found = commands().stream().filter(c -> c.section().equals(section)
                && c.line().matches("^kubectl (-n \\S+ )?patch " + resource + " .*")).toList();
        assertEquals(1, found.size(), section + " " + resource + ": " + found);
        return found.get(0);
    }

    private static JsonNode named(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asString().equals(kind) && o.path("metadata").path("name").asString().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
    }

    /**
     * The documented command, run by kubectl on the given object instead of the cluster's: the resource and name it
     * names must be the object's, and its patch type and patch are kubectl's to apply.
     */
    static JsonNode patch(JsonNode object, Command command) throws IOException, InterruptedException {
        List<String> words = shellWords(command.line());
        assertEquals("patch", words.get(words.indexOf("patch")), command.line());
        int at = words.indexOf("patch");
        String resource = words.get(at + 1);
        String name = words.get(at + 2);
        assertEquals(resource, object.path("kind").asString().toLowerCase(), command.line());
        assertEquals(name, object.path("metadata").path("name").asString(), command.line());
        int ns = words.indexOf("-n");
        if (ns >= 0) {
            assertEquals(words.get(ns + 1), object.path("metadata").path("namespace").asString(), command.line());
        }
        List<String> args = new ArrayList<>(List.of("kubectl", "patch", "--local", "-o", "json", "-f"));
        Path file = Files.createTempFile("brguard-emergency", ".json");
        try {
            Files.writeString(file, object.toString());
            args.add(file.toString());
            for (int i = at + 3; i < words.size(); i++) {
                if (words.get(i).startsWith("--field-manager")) {
                    continue;
                }
                args.add(words.get(i));
            }
            Process p = new ProcessBuilder(args).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), command.line() + ": " + err);
            Manifests.Parsed parsed = Manifests.parse("kubectl patch", out);
            assertEquals(List.of(), parsed.problems());
            return parsed.documents().get(0).tree();
        } finally {
            Files.delete(file);
        }
    }

    /** Words of a shell line as bash splits them: single quotes keep everything, double quotes and backslashes are not used. */
    static List<String> shellWords(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    out.add(word.toString());
                    word.setLength(0);
                    any = false;
                }
            } else if (c == '#' && !quoted && !any) {
                break;
            } else {
                word.append(c);
                any = true;
            }
        }
        assertFalse(quoted, "an unclosed quote: " + line);
        if (any) {
            out.add(word.toString());
        }
        return out;
    }
}
