package io.brguard.policy.rollout;

import io.brguard.policy.Verdict;
import io.brguard.policy.Violation;
import io.brguard.policy.Warning;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rollout configuration file (every field, bad files) and what each mode, exemption and break-glass does. */
class RolloutTest {
    private static final String FULL = """
            apiVersion: brguard.io/v1alpha1
            kind: PolicyConfig
            enforcement:
              default: Warn
              families: {transition: Enforce, warn: Off}
              rules: {cross.prefix-overlap: Off, transition.stopped-is-terminal: Warn}
            pitrGuard: false
            exemptions:
              namespaces: [sandbox, scratch]
              selector:
                matchLabels: {team: data}
                matchExpressions:
                - {key: tier, operator: In, values: [dev, test]}
            breakGlass:
              users: [alice@example.com]
              groups: [platform-admins]
            """;

    @Test
    void readsEveryField() throws Exception {
        RolloutConfig c = RolloutConfig.parse("policy.yaml", FULL);
        assertEquals(RolloutConfig.Mode.WARN, c.defaultMode());
        assertEquals(RolloutConfig.Mode.ENFORCE, c.modeOf("transition.pause-needs-running"), "the family's mode");
        assertEquals(RolloutConfig.Mode.WARN, c.modeOf("transition.stopped-is-terminal"), "the rule's own entry wins");
        assertEquals(RolloutConfig.Mode.OFF, c.modeOf("cross.prefix-overlap"));
        assertEquals(RolloutConfig.Mode.WARN, c.modeOf("field.prefix"), "the default");
        assertEquals(RolloutConfig.Mode.OFF, c.modeOf("warn.sas-token"));
        assertFalse(c.policy().pitrGuard());
        assertEquals(List.of("sandbox", "scratch"), c.exemptNamespaces());
        assertTrue(c.exemptSelector().matches(Map.of("team", "data", "tier", "dev")));
        assertFalse(c.exemptSelector().matches(Map.of("team", "data", "tier", "prod")));
        assertFalse(c.exemptSelector().matches(Map.of("tier", "dev")));
        assertEquals(Set.of("alice@example.com"), c.breakGlassUsers());
        assertEquals(Set.of("platform-admins"), c.breakGlassGroups());
    }

    /** The ConfigMap brguard ships holds today's behaviour: everything enforced, nothing exempt, nobody breaks glass. */
    @Test
    void theShippedDefaultIsTheBehaviourWithoutAFile() throws Exception {
        JsonNode cm = Fixtures.object("manifests/base/policy-configmap.yaml");
        RolloutConfig shipped = RolloutConfig.parse("policy.yaml", cm.path("data").path("policy.yaml").asString());
        assertEquals(RolloutConfig.DEFAULT, shipped);
        assertEquals(Fixtures.read("charts/brguard/policy.yaml"), cm.path("data").path("policy.yaml").asString(),
                "the Helm chart ships the same file");
    }

    @Test
    void aBadFileIsAnErrorNamingTheField() {
        record Bad(String yaml, String says) { }
        String head = "apiVersion: brguard.io/v1alpha1\nkind: PolicyConfig\n";
        for (Bad b : List.of(
                new Bad("enforcement: {default: Deny}\n", "enforcement.default"),
                new Bad("enforcement: {families: {fields: Warn}}\n", "enforcement.families"),
                new Bad("enforcement: {rules: {cross.no-such-rule: Warn}}\n", "enforcement.rules.cross.no-such-rule: no such rule"),
                new Bad("exemptions: {namespaces: [Not_A_Name]}\n", "exemptions.namespaces"),
                new Bad("exemptions: {selector: {matchExpressions: [{key: a, operator: Like}]}}\n", "operator"),
                new Bad("breakGlass: {users: alice}\n", "breakGlass.users"),
                new Bad("pitrGuard: yes please\n", "pitrGuard"),
                new Bad("enforcment: {default: Warn}\n", "enforcment"))) {
            RolloutConfig.Invalid e = assertThrows(RolloutConfig.Invalid.class, () -> RolloutConfig.parse("policy.yaml", head + b.yaml()), b.yaml());
            assertTrue(e.getMessage().startsWith("policy.yaml: ") && e.getMessage().contains(b.says()), b.yaml() + " -> " + e.getMessage());
        }
        assertThrows(RolloutConfig.Invalid.class, () -> RolloutConfig.parse("policy.yaml", "kind: [unclosed"));
        // Two documents (say, two files concatenated) are refused, not read as the first one.
        assertThrows(RolloutConfig.Invalid.class, () -> RolloutConfig.parse("policy.yaml",
                head + "enforcement: {default: Warn}\n---\n" + head + "enforcement: {default: Enforce}\n"));
        RolloutConfig.Invalid wrongKind = assertThrows(RolloutConfig.Invalid.class,
                () -> RolloutConfig.parse("policy.yaml", "apiVersion: v1\nkind: ConfigMap\n"));
        assertTrue(wrongKind.getMessage().contains("apiVersion"), wrongKind.getMessage());
    }

    /*
     * Selectors follow the API server's rules for a LabelSelectorRequirement (kubernetes/apimachinery
     * pkg/apis/meta/v1/validation, ValidateLabelSelectorRequirement): In and NotIn must have values, Exists and
     * DoesNotExist may not, keys are qualified label names and values label values. A NotIn without values matched
     * every Backup without the key, so a file that forgot them exempted nearly everything; a selector with no
     * requirement at all (Kubernetes: matches everything) is refused for the same reason.
     */
    @Test
    void aSelectorFollowsTheKubernetesRulesForLabelSelectors() throws Exception {
        String head = "apiVersion: brguard.io/v1alpha1\nkind: PolicyConfig\nexemptions:\n  selector: ";
        for (String bad : List.of(
                "{matchExpressions: [{key: tier, operator: NotIn}]}",
                "{matchExpressions: [{key: tier, operator: In}]}",
                "{matchExpressions: [{key: tier, operator: NotIn, values: []}]}",
                "{matchExpressions: [{key: tier, operator: Exists, values: [dev]}]}",
                "{matchExpressions: [{key: tier, operator: DoesNotExist, values: [dev]}]}",
                "{matchExpressions: [{key: 'bad key', operator: Exists}]}",
                "{matchExpressions: [{key: tier, operator: In, values: ['not a value']}]}",
                "{matchLabels: {'-tier': dev}}",
                "{matchLabels: {}}",
                "{matchExpressions: []}",
                "{}",
                "")) {
            assertThrows(RolloutConfig.Invalid.class, () -> RolloutConfig.parse("p", head + bad + "\n"), bad);
        }
        for (String good : List.of(
                "{matchExpressions: [{key: tier, operator: NotIn, values: [prod]}]}",
                "{matchExpressions: [{key: example.com/tier, operator: Exists}]}",
                "{matchExpressions: [{key: tier, operator: DoesNotExist, values: []}]}",
                "{matchLabels: {brguard.io/exempt: 'true', team: ''}}")) {
            RolloutConfig.parse("p", head + good + "\n");
        }
    }

    private static JsonNode labelled(String... labels) {
        tools.jackson.databind.node.ObjectNode o = io.brguard.policy.Json.JSON.createObjectNode();
        tools.jackson.databind.node.ObjectNode l = o.putObject("metadata").putObject("labels");
        for (int i = 0; i < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        return o;
    }

    /*
     * Labels are written by the requester: matched on the new object alone, the update that adds the exempt label
     * exempted itself (a denial turned into "allowed, mode exempt"). An update is exempt by labels only when the
     * old object matched too; the update that adds the label is judged and warned about.
     */
    @Test
    void anUpdateIsExemptByLabelsOnlyWhenTheOldObjectMatchedToo() throws Exception {
        RolloutConfig c = RolloutConfig.parse("p", FULL.replace("default: Warn", "default: Enforce"));
        JsonNode plain = labelled("team", "data");
        JsonNode exempt = labelled("team", "data", "tier", "dev");
        Enforcement.Decision adds = Enforcement.apply(verdict(PREFIX), c, Enforcement.Request.of("test1", exempt, plain, "bob", List.of()));
        assertFalse(adds.verdict().allowed(), "the update that adds the label is not exempt");
        assertEquals("Enforce", adds.mode());
        assertTrue(adds.verdict().warnings().stream().anyMatch(w -> w.ruleId().equals("rollout.exempt-label")),
                adds.verdict().warnings().toString());

        Enforcement.Decision stays = Enforcement.apply(verdict(PREFIX), c, Enforcement.Request.of("test1", exempt, exempt, "bob", List.of()));
        assertEquals("exempt", stays.mode(), "old and new match");
        assertEquals("selector", stays.exemptBy());

        Enforcement.Decision removes = Enforcement.apply(verdict(PREFIX), c, Enforcement.Request.of("test1", plain, exempt, "bob", List.of()));
        assertFalse(removes.verdict().allowed(), "removing the label ends the exemption in the same update");
        assertTrue(removes.verdict().warnings().stream().noneMatch(w -> w.ruleId().equals("rollout.exempt-label")));

        assertEquals("exempt", Enforcement.apply(verdict(PREFIX), c, Enforcement.Request.of("test1", exempt, null, "bob", List.of())).mode(),
                "a CREATE is judged on the labels it is created with");
        assertEquals("exempt", Enforcement.apply(verdict(PREFIX), c, Enforcement.Request.of("test1", null, exempt, "bob", List.of())).mode(),
                "a DELETE on the labels the Backup has");
        assertFalse(Enforcement.apply(verdict(PREFIX), c, Enforcement.Request.of("test1", plain, plain, "bob", List.of())).verdict()
                .warnings().stream().anyMatch(w -> w.ruleId().equals("rollout.exempt-label")));
    }

    private static final Violation STOPPED = new Violation("transition.stopped-is-terminal", "spec.logSubcommand",
            "the log backup is Stopped", "log-stop -> log-start", "create a new Backup");
    private static final Violation OVERLAP = new Violation("cross.prefix-overlap", "spec.azblob.prefix", "overlaps", "a/b", "use another");
    private static final Violation PREFIX = new Violation("field.prefix", "spec.azblob.prefix", "has a '..' segment", "a/..", "remove it");

    private static Verdict verdict(Violation... v) {
        return new Verdict(List.of(v), List.of(Warning.fitted("warn.sas-token", "spec.azblob.sasToken", "a SAS token in the spec")),
                List.of(), List.of());
    }

    private static Enforcement.Request in(String ns) {
        return new Enforcement.Request(ns, Map.of(), null, "bob", List.of("system:authenticated"));
    }

    @Test
    void eachModeDoesWhatItSays() throws Exception {
        RolloutConfig c = RolloutConfig.parse("p", FULL);
        Enforcement.Decision d = Enforcement.apply(verdict(STOPPED, OVERLAP, PREFIX), c, in("test1"));
        assertTrue(d.verdict().allowed(), "Warn and Off do not deny");
        assertEquals("Warn", d.mode());
        assertEquals(List.of(STOPPED.message(), PREFIX.message()), d.wouldDeny(), "Off is not reported");
        assertEquals(List.of("transition.stopped-is-terminal", "field.prefix"),
                d.verdict().warnings().stream().map(Warning::ruleId).toList(), "the warn.* family is Off; would-denies are warnings");
        assertTrue(d.verdict().warnings().get(0).message().contains("would deny: the log backup is Stopped"));

        Enforcement.Decision enforced = Enforcement.apply(verdict(new Violation("transition.pause-needs-running", "spec.logSubcommand",
                "not running", null, "wait"), PREFIX), c, in("test1"));
        assertFalse(enforced.verdict().allowed());
        assertEquals("Enforce", enforced.mode(), "the strictest mode among the findings decided");
        assertEquals(1, enforced.verdict().violations().size());

        Enforcement.Decision clean = Enforcement.apply(new Verdict(List.of(), List.of(), List.of(), List.of()), RolloutConfig.DEFAULT, in("test1"));
        assertEquals("Enforce", clean.mode());
        assertEquals(List.of(), clean.wouldDeny());
    }

    @Test
    void exemptNamespacesAndLabelsAreAllowedAndSaySo() throws Exception {
        RolloutConfig c = RolloutConfig.parse("p", FULL.replace("default: Warn", "default: Enforce"));
        Enforcement.Decision ns = Enforcement.apply(verdict(PREFIX), c, in("sandbox"));
        assertTrue(ns.verdict().allowed());
        assertEquals("exempt", ns.mode());
        assertEquals("namespace", ns.exemptBy());
        assertEquals(List.of(PREFIX.message()), ns.wouldDeny(), "exempt is not silent");
        Enforcement.Decision labels = Enforcement.apply(verdict(PREFIX), c,
                new Enforcement.Request("test1", Map.of("team", "data", "tier", "test"), null, "bob", List.of()));
        assertEquals("selector", labels.exemptBy());
        assertFalse(Enforcement.apply(verdict(PREFIX), c, in("test1")).verdict().allowed());
    }

    @Test
    void breakGlassIsHonouredOnlyForTheNamedUsersAndGroups() throws Exception {
        RolloutConfig c = RolloutConfig.parse("p", FULL.replace("default: Warn", "default: Enforce"));
        Enforcement.Decision user = Enforcement.apply(verdict(PREFIX), c,
                new Enforcement.Request("test1", Map.of(), " INC-4711: restore needed now ", "alice@example.com", List.of()));
        assertTrue(user.verdict().allowed());
        assertEquals("break-glass", user.mode());
        assertEquals("INC-4711: restore needed now", user.breakGlass());
        assertEquals(List.of(PREFIX.message()), user.wouldDeny());
        Enforcement.Decision group = Enforcement.apply(verdict(PREFIX), c,
                new Enforcement.Request("test1", Map.of(), "INC-4711", "carol", List.of("platform-admins")));
        assertEquals("break-glass", group.mode());

        Enforcement.Decision refused = Enforcement.apply(verdict(PREFIX), c,
                new Enforcement.Request("test1", Map.of(), "INC-4711", "mallory", List.of("system:authenticated")));
        assertFalse(refused.verdict().allowed(), "anyone else's annotation changes nothing");
        assertNull(refused.breakGlass());
        assertTrue(refused.verdict().warnings().stream().anyMatch(w -> w.message().contains("mallory may not break the glass")));
        assertFalse(Enforcement.apply(verdict(PREFIX), RolloutConfig.DEFAULT,
                new Enforcement.Request("test1", Map.of(), "INC-4711", "alice@example.com", List.of())).verdict().allowed(),
                "nobody may by default");
    }
}
