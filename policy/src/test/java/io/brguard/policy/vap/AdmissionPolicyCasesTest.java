package io.brguard.policy.vap;

import io.brguard.policy.Kinds;
import io.brguard.policy.KindPolicy;
import io.brguard.policy.Mutator;
import io.brguard.policy.Operation;
import io.brguard.policy.Verdict;
import io.brguard.policy.Violation;
import io.brguard.policy.schedule.SchedulePolicy;
import io.brguard.policy.testing.AdmissionPolicyRun;
import io.brguard.policy.testing.CelJson;
import io.brguard.policy.testing.KubernetesCel;
import io.brguard.policy.testing.PolicyCases;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated ValidatingAdmissionPolicies, evaluated under cel-java in Kubernetes' CEL environment
 * ({@link KubernetesCel}) over every case of the policy's table, against what {@code Policy} decides on the same
 * objects:
 * <ul>
 *   <li>the fallback never refuses what brguard allows, and never for a reason brguard does not give: every rule a
 *   policy's validation names is among brguard's denials of that case;</li>
 *   <li>every rule the fallback covers refuses at least one case brguard refuses with that rule;</li>
 *   <li>its message is brguard's own line where both refuse (or as close as {@link Check.Fidelity} declares);</li>
 *   <li>nothing fails to evaluate, and no expression comes near Kubernetes' cost limits.</li>
 * </ul>
 * The API server hands a policy the object after mutating admission, and brguard's mutating webhook may or may not
 * have run (the fallback is for when it does not), for the new object and when the old one was stored: each case
 * is judged with each of the four, the objects defaulted as brguard defaults them or with the CRD's defaults only,
 * as the API server fills them in (nulls pruned, metadata.namespace set).
 */
class AdmissionPolicyCasesTest {
    private static final Map<String, AdmissionPolicies.Policy> POLICIES = new LinkedHashMap<>();
    private static final Map<String, AdmissionPolicyRun> RUNS = new LinkedHashMap<>();

    @BeforeAll
    static void compile() {
        for (AdmissionPolicies.Policy p : AdmissionPolicies.policies()) {
            POLICIES.put(p.resource(), p);
            RUNS.put(p.resource(), new AdmissionPolicyRun(AdmissionPolicies.policyObject(p)));
        }
    }

    /** How the objects reached the API server's admission policies. */
    enum Defaults { BRGUARD, CRD_ONLY }

    /** One case judged by the fallback: the variants' outcomes and brguard's verdict. */
    record Judged(PolicyCases.Case c, String resource, Verdict verdict, Map<String, AdmissionPolicyRun.Outcome> outcomes) {
    }

    private static List<Judged> judged;

    static synchronized List<Judged> judgeAll() {
        if (judged != null) {
            return judged;
        }
        List<Judged> out = new ArrayList<>();
        for (PolicyCases.Case c : PolicyCases.all()) {
            if (c.op() == Operation.DELETE || c.newObject() == null || !c.newObject().isObject()) {
                continue; // the policies match CREATE and UPDATE only, and brguard never denies a DELETE
            }
            KindPolicy<?> kind = Kinds.of(c.newObject()).orElse(null);
            if (kind == null || !RUNS.containsKey(kind.plural())) {
                continue; // no policy matches a kind brguard does not judge, nor one without a fallback (Restores)
            }
            Verdict verdict = c.decide();
            Map<String, AdmissionPolicyRun.Outcome> outcomes = new LinkedHashMap<>();
            for (Defaults oldDefaults : Defaults.values()) {
                for (Defaults newDefaults : Defaults.values()) {
                    JsonNode object = admitted(kind, c.newObject(), newDefaults, null);
                    JsonNode old = c.oldObject() == null ? null : admitted(kind, c.oldObject(), oldDefaults, object);
                    outcomes.put("old " + oldDefaults + ", new " + newDefaults, RUNS.get(kind.plural()).evaluate(
                            CelJson.plain(object, CelJson.Nulls.ABSENT),
                            old == null ? dev.cel.common.values.NullValue.NULL_VALUE : CelJson.plain(old, CelJson.Nulls.ABSENT),
                            request(c, kind, object)));
                }
            }
            out.add(new Judged(c, kind.plural(), verdict, outcomes));
        }
        judged = out;
        return out;
    }

    /** The object as the API server hands it to admission policies. */
    private static JsonNode admitted(KindPolicy<?> kind, JsonNode raw, Defaults defaults, JsonNode same) {
        ObjectNode o = (ObjectNode) (defaults == Defaults.BRGUARD ? kind.mutate(raw).mutated() : raw).deepCopy();
        if (o.get("spec") instanceof ObjectNode spec) {
            if (kind instanceof SchedulePolicy) {
                for (String t : SchedulePolicy.TEMPLATES) {
                    if (spec.get(t) instanceof ObjectNode template) {
                        crdDefaults(template);
                    }
                }
            } else {
                crdDefaults(spec);
            }
        }
        ObjectNode metadata = o.get("metadata") instanceof ObjectNode m ? m : o.putObject("metadata");
        if (metadata.path("namespace").asString("").isEmpty()) {
            metadata.put("namespace", same != null ? same.path("metadata").path("namespace").asString() : "default");
        }
        return o;
    }

    /** The CRD's defaults as the API server applies them: to a field that is absent or null, not to "". */
    private static void crdDefaults(ObjectNode spec) {
        for (Mutator.CrdDefault d : Mutator.CRD_DEFAULTS) {
            ObjectNode target = d.parent().isEmpty() ? spec : spec.get(d.parent()) instanceof ObjectNode p ? p : null;
            if (target != null && (target.get(d.field()) == null || target.get(d.field()).isNull())) {
                target.set(d.field(), d.value() instanceof Integer i ? JsonNodeFactory.instance.numberNode(i)
                        : JsonNodeFactory.instance.stringNode(d.value().toString()));
            }
        }
    }

    private static Map<String, Object> request(PolicyCases.Case c, KindPolicy<?> kind, JsonNode object) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("operation", c.op().name());
        r.put("namespace", object.path("metadata").path("namespace").asString());
        r.put("name", object.path("metadata").path("name").asString(""));
        r.put("kind", Map.of("group", "br.pingcap.com", "version", "v1alpha1", "kind", kind.kind()));
        r.put("resource", Map.of("group", "br.pingcap.com", "version", "v1alpha1", "resource", kind.plural()));
        r.put("userInfo", Map.of("username", "policy-case"));
        r.put("dryRun", false);
        return r;
    }

    private static Check check(Judged j, AdmissionPolicyRun.Denial d) {
        return POLICIES.get(j.resource()).checks().get(d.index());
    }

    /** The rules the fallback's denials name in one variant. */
    private static Set<String> fallbackRules(Judged j, String variant) {
        Set<String> out = new TreeSet<>();
        j.outcomes().get(variant).denials().forEach(d -> out.add(check(j, d).ruleId()));
        return out;
    }

    private static final String MAIN = "old BRGUARD, new BRGUARD";

    private static Set<String> policyRules(Verdict v) {
        Set<String> out = new TreeSet<>();
        v.violations().forEach(x -> out.add(x.ruleId()));
        return out;
    }

    @Test
    void neverRefusesWhatBrguardAllowsNorForAReasonBrguardDoesNotGive() {
        List<String> wrong = new ArrayList<>();
        int evaluations = 0;
        for (Judged j : judgeAll()) {
            for (Map.Entry<String, AdmissionPolicyRun.Outcome> e : j.outcomes().entrySet()) {
                evaluations++;
                for (AdmissionPolicyRun.Denial d : e.getValue().denials()) {
                    String rule = check(j, d).ruleId();
                    if (j.verdict().allowed() || !policyRules(j.verdict()).contains(rule) && !onlySchema(j.verdict())) {
                        wrong.add(j.c().name() + " [" + e.getKey() + "]: " + d.message() + "\n    brguard: "
                                + (j.verdict().allowed() ? "allowed" : policyRules(j.verdict())));
                    }
                }
            }
        }
        assertEquals(List.of(), wrong, "the fallback refuses what brguard allows, or for another reason");
        assertTrue(evaluations >= 4 * 200, "only " + evaluations + " evaluations");
    }

    /**
     * brguard's schema findings come first: a spec over its size bounds is judged on nothing else, and a value outside
     * the CRD's enum (which the API server refuses before any admission policy runs) leaves brguard's rules unjudged
     * on that field. The fallback may then refuse for one of its rules: still a refusal brguard makes too.
     */
    private static boolean onlySchema(Verdict v) {
        return v.violations().stream().allMatch(x -> x.ruleId().startsWith("schema."));
    }

    @Test
    void nothingFailsToEvaluateAndNoExpressionNearsTheCostLimits() {
        List<String> problems = new ArrayList<>();
        long max = 0;
        long total = 0;
        for (Judged j : judgeAll()) {
            for (Map.Entry<String, AdmissionPolicyRun.Outcome> e : j.outcomes().entrySet()) {
                AdmissionPolicyRun.Outcome o = e.getValue();
                o.errors().forEach(err -> problems.add(j.c().name() + " [" + e.getKey() + "]: " + err));
                max = Math.max(max, o.maxCost());
                total = Math.max(total, o.totalCost());
            }
        }
        assertEquals(List.of(), problems);
        // A case's object is small: its costliest expression stays far below the limit, which leaves the headroom
        // AdmissionPolicyCostTest spends on the largest objects brguard judges.
        assertTrue(max < KubernetesCel.PER_CALL_LIMIT / 100, "an expression costs " + max);
        assertTrue(total < KubernetesCel.RUNTIME_COST_BUDGET / 100, "a request costs " + total);
    }

    /** Every rule the fallback covers refuses a case brguard refuses with it (with brguard's defaults applied). */
    @Test
    void everyCoveredRuleRefusesACaseBrguardRefusesWithIt() {
        Map<String, Integer> agreed = agreements(MAIN);
        Set<String> missing = new TreeSet<>();
        AdmissionPolicies.coverage().values().stream().filter(AdmissionPolicies.Coverage::covered)
                .forEach(c -> {
                    if (agreed.getOrDefault(c.ruleId(), 0) == 0) {
                        missing.add(c.ruleId());
                    }
                });
        assertEquals(Set.of(), missing, "covered rules no case shows the fallback refusing: " + agreed);
    }

    /** Per rule, the cases both refuse with it in one variant. */
    static Map<String, Integer> agreements(String variant) {
        Map<String, Integer> out = new TreeMap<>();
        for (Judged j : judgeAll()) {
            Set<String> rules = fallbackRules(j, variant);
            rules.retainAll(policyRules(j.verdict()));
            rules.forEach(r -> out.merge(r, 1, Integer::sum));
        }
        return out;
    }

    /** Where both refuse with a rule, the fallback's line is brguard's (as its check declares). */
    @Test
    void itsMessageIsBrguardsOwnLine() {
        List<String> differ = new ArrayList<>();
        int exact = 0;
        for (Judged j : judgeAll()) {
            for (Map.Entry<String, AdmissionPolicyRun.Outcome> e : j.outcomes().entrySet()) {
                for (AdmissionPolicyRun.Denial d : e.getValue().denials()) {
                    Check check = check(j, d);
                    List<Violation> same = j.verdict().violations().stream().filter(v -> v.ruleId().equals(check.ruleId())).toList();
                    if (same.isEmpty()) {
                        continue; // reported by the test above
                    }
                    if (!d.message().startsWith(check.ruleId() + " ")) {
                        differ.add(j.c().name() + ": does not start with its rule: " + d.message());
                        continue;
                    }
                    boolean ok = same.stream().anyMatch(v -> matches(check.fidelity(), v, d.message()));
                    if (!ok) {
                        differ.add(j.c().name() + " [" + e.getKey() + "] " + check.fidelity() + "\n    vap:     " + d.message()
                                + "\n    brguard: " + same.stream().map(Violation::message).toList());
                    } else if (d.message().equals(same.get(0).message()) || same.stream().anyMatch(v -> v.message().equals(d.message()))) {
                        exact++;
                    }
                }
            }
        }
        assertEquals(List.of(), differ);
        assertTrue(exact > 0);
    }

    /**
     * A value over 160 characters is cut as brguard cuts it (Violation.VALUE_CHARS), whether it is one field or built
     * of several: a long container name, and a log command's change from a long unknown phase.
     */
    @Test
    void aLongValueIsCutAsBrguardCutsIt() {
        String base = "{apiVersion: br.pingcap.com/v1alpha1, kind: Backup, metadata: {name: b, namespace: ns}, spec: {br: {cluster: c},"
                + " azblob: {container: c, prefix: p, secretName: s}, backupMode: log, logSubcommand: log-start}}";
        JsonNode old = io.brguard.policy.testing.Fixtures.yaml(base.replace("}}", "}, status: {phase: " + "Odd".repeat(70) + "}}"));
        JsonNode paused = io.brguard.policy.testing.Fixtures.yaml(base.replace("log-start", "log-pause"));
        JsonNode slashed = io.brguard.policy.testing.Fixtures.yaml(base.replace("container: c", "container: " + "x".repeat(170) + "/y"));
        record Pair(JsonNode old, JsonNode now, String rule) {
        }
        for (Pair p : List.of(new Pair(old, paused, "transition.pause-needs-running"), new Pair(null, slashed, "field.container"))) {
            Verdict v = new io.brguard.policy.Policy().decide(p.old() == null ? Operation.CREATE : Operation.UPDATE, p.old(), p.now(),
                    io.brguard.policy.Lookups.unknown("not needed"));
            String brguard = v.violations().stream().filter(x -> x.ruleId().equals(p.rule())).findFirst().orElseThrow().message();
            AdmissionPolicyRun.Outcome o = RUNS.get("backups").evaluate(CelJson.plain(p.now(), CelJson.Nulls.ABSENT),
                    p.old() == null ? dev.cel.common.values.NullValue.NULL_VALUE : CelJson.plain(p.old(), CelJson.Nulls.ABSENT),
                    Map.of("operation", p.old() == null ? "CREATE" : "UPDATE", "namespace", "ns"));
            assertEquals(List.of(), o.errors());
            assertTrue(brguard.contains("...)"), brguard);
            assertTrue(o.denials().stream().anyMatch(d -> d.message().equals(brguard)), o.denials() + "\n  brguard: " + brguard);
        }
    }

    private static boolean matches(Check.Fidelity f, Violation v, String message) {
        String head = v.ruleId() + " " + v.path() + ": ";
        return switch (f) {
            case EXACT -> v.message().equals(message);
            case SAME_FIX -> message.startsWith(head) && message.endsWith("; " + v.fix());
            case SAME_RULE_AND_PATH -> message.startsWith(head);
        };
    }

    private static List<String> missed(Map<String, AdmissionPolicies.Coverage> coverage) {
        List<String> out = new ArrayList<>();
        for (Judged j : judgeAll()) {
            Set<String> vap = fallbackRules(j, MAIN);
            for (String r : policyRules(j.verdict())) {
                if (coverage.get(r).covered() && !vap.contains(r)) {
                    out.add(j.c().name() + " " + r);
                }
            }
        }
        return out;
    }

    /** The numbers of this run, for the record (docs/operations.md quotes none of them; they change with the table). */
    @Test
    void reportsCoverage() {
        int cases = judgeAll().size();
        long brguardDenies = judgeAll().stream().filter(j -> !j.verdict().allowed()).count();
        long fallbackDenies = judgeAll().stream().filter(j -> !j.outcomes().get(MAIN).denials().isEmpty()).count();
        Map<String, AdmissionPolicies.Coverage> coverage = AdmissionPolicies.coverage();
        long covered = coverage.values().stream().filter(AdmissionPolicies.Coverage::covered).count();
        long coveredCaught = 0;
        long coveredDenied = 0;
        for (Judged j : judgeAll()) {
            Set<String> vap = fallbackRules(j, MAIN);
            for (String r : policyRules(j.verdict())) {
                if (coverage.get(r).covered()) {
                    coveredDenied++;
                    if (vap.contains(r)) {
                        coveredCaught++;
                    }
                }
            }
        }
        System.out.println("vap: missed " + missed(coverage));
        System.out.printf("vap: %d cases x 4 variants; brguard denies %d, the fallback %d; rules covered %d of %d; "
                        + "denials by a covered rule the fallback repeats: %d of %d%n", cases, brguardDenies, fallbackDenies,
                covered, coverage.size(), coveredCaught, coveredDenied);
        assertTrue(fallbackDenies > 0 && fallbackDenies <= brguardDenies);
    }
}
