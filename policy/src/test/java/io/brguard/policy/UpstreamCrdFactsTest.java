package io.brguard.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.brguard.policy.testing.CelJson;
import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.testing.PolicyCases;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * brguard held to TiDB Operator v2's own CRDs, as facts read off them (src/test/resources/upstream/crd-facts.yaml,
 * with the upstream commit and files): brguard's CRDs carry every default, enum and x-kubernetes-validations rule,
 * brguard's defaulting applies every default (so a file compares equal with the object the API server serves), and
 * the CRD's rules, run under cel-java over every policy case, never refuse what brguard allows.
 */
class UpstreamCrdFactsTest {
    private static final JsonNode FACTS = Fixtures.object("policy/src/test/resources/upstream/crd-facts.yaml");
    private static final JsonNode BACKUP = FACTS.path("backupSpec");

    private static JsonNode crdSpec(String file) {
        return Fixtures.object(file).path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema")
                .path("properties").path("spec");
    }

    private static JsonNode at(JsonNode schema, String dottedPath) {
        JsonNode n = schema;
        for (String part : dottedPath.split("\\.")) {
            n = n.path("properties").path(part);
        }
        return n;
    }

    /** Every default, enum and rule of upstream's Backup spec is in a Backup spec schema of brguard's CRDs. */
    private static void carriesTheBackupSpecFacts(String where, JsonNode spec) {
        BACKUP.path("defaults").properties().forEach(e -> assertTrue(Json.sameMeaning(e.getValue(),
                at(spec, e.getKey()).path("default")), where + " default of " + e.getKey() + ": " + at(spec, e.getKey())));
        BACKUP.path("enums").properties().forEach(e -> assertEquals(e.getValue(), at(spec, e.getKey()).path("enum"),
                where + " enum of " + e.getKey()));
        assertEquals(BACKUP.path("rules"), spec.path("x-kubernetes-validations"), where + " x-kubernetes-validations");
        BACKUP.path("nestedRequired").properties().forEach(e -> assertEquals(e.getValue(),
                at(spec, e.getKey()).path("required"), where + " required of " + e.getKey()));
    }

    @Test
    void brguardsBackupCrdCarriesUpstreamsDefaultsEnumsAndRules() {
        carriesTheBackupSpecFacts("backups.br.pingcap.com", crdSpec("manifests/crd/backups.br.pingcap.com.yaml"));
    }

    @Test
    void brguardsBackupScheduleCrdCarriesThemInEachTemplate() {
        JsonNode spec = crdSpec("manifests/crd/backupschedules.br.pingcap.com.yaml");
        JsonNode facts = FACTS.path("backupScheduleSpec");
        for (JsonNode t : facts.path("templates")) {
            carriesTheBackupSpecFacts("backupschedules " + t.asString(), spec.path("properties").path(t.asString()));
        }
        assertEquals(sorted(facts.path("required")), sorted(spec.path("required")));
        JsonNode status = Fixtures.object("manifests/crd/backupschedules.br.pingcap.com.yaml").path("spec").path("versions")
                .get(0).path("schema").path("openAPIV3Schema").path("properties").path("status").path("properties");
        assertEquals(sorted(facts.path("status")), new ArrayList<>(new java.util.TreeSet<>(status.propertyNames())),
                "status fields: v2 has no conditions");
    }

    /** The Restore CRD: upstream's defaults in brguard's CRD and in the defaulting before comparisons; no rules. */
    @Test
    void brguardsRestoreCrdAndDefaultingCarryUpstreamsDefaults() {
        JsonNode facts = FACTS.path("restoreSpec");
        JsonNode spec = crdSpec("manifests/crd/restores.br.pingcap.com.yaml");
        JsonNode defaulted = Kinds.RESTORE.defaults(Fixtures.yaml("{spec: {br: {cluster: c}}}")).mutated().path("spec");
        facts.path("defaults").properties().forEach(e -> {
            assertTrue(Json.sameMeaning(e.getValue(), at(spec, e.getKey()).path("default")), "CRD default of " + e.getKey());
            assertTrue(Json.sameMeaning(e.getValue(), defaulted.path(e.getKey())), "defaulted " + e.getKey());
        });
        assertEquals(facts.path("rules").size(), spec.path("x-kubernetes-validations").size());
        facts.path("nestedRequired").properties().forEach(e -> assertEquals(e.getValue(), at(spec, e.getKey()).path("required")));
    }

    /** The defaulting before comparisons applies exactly upstream's defaults: a file then equals a served object. */
    @Test
    void brguardsDefaultingAppliesEveryUpstreamDefault() {
        Map<String, Object> applied = new TreeMap<>();
        Mutator.CRD_DEFAULTS.forEach(d -> applied.put(d.path(), d.value()));
        Map<String, Object> upstream = new TreeMap<>();
        BACKUP.path("defaults").properties().forEach(e -> upstream.put(e.getKey(),
                e.getValue().isInt() ? (Object) e.getValue().asInt() : e.getValue().asString()));
        assertEquals(upstream, applied);
        // A nested default only where its object is: as the API server applies them.
        ObjectNode bare = Fixtures.yaml("{spec: {br: {cluster: c}}}");
        JsonNode defaulted = Mutator.mutate(bare).mutated().path("spec");
        assertEquals(600, defaulted.path("volumeBackupInitJobMaxActiveSeconds").asInt());
        assertTrue(defaulted.path("cleanOption").isMissingNode() && defaulted.path("backoffRetryPolicy").isMissingNode());
        ObjectNode nested = Fixtures.yaml("{spec: {br: {cluster: c}, cleanOption: {}, backoffRetryPolicy: {maxRetryTimes: 4}}}");
        JsonNode withObjects = Mutator.mutate(nested).mutated().path("spec");
        assertEquals(5, withObjects.path("cleanOption").path("retryCount").asInt());
        assertEquals(4, withObjects.path("backoffRetryPolicy").path("maxRetryTimes").asInt(), "a value given is kept");
        assertEquals("300s", withObjects.path("backoffRetryPolicy").path("minRetryDuration").asString());
    }

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(CelOptions.current().build()).setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN).build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    /** Whether every rule holds for the spec, as the API server evaluates them: self is the spec, nulls are absent. */
    private static List<String> refusedBy(JsonNode spec) {
        List<String> refused = new ArrayList<>();
        for (JsonNode r : BACKUP.path("rules")) {
            try {
                CelAbstractSyntaxTree ast = COMPILER.compile(r.path("rule").asString()).getAst();
                Object ok = RUNTIME.createProgram(ast).eval(Map.of("self", CelJson.plain(spec, CelJson.Nulls.ABSENT)));
                if (!Boolean.TRUE.equals(ok)) {
                    refused.add(r.path("message").asString());
                }
            } catch (Exception e) {
                throw new AssertionError("cannot evaluate " + r, e);
            }
        }
        return refused;
    }

    /**
     * Every policy case's new object, defaulted and mutated as the API server sees it when it runs the CRD's rules
     * (defaulting and mutating admission come first): where a rule refuses it, brguard denies it too, on the spec.
     */
    @Test
    void whereUpstreamsRulesRefuseACaseBrguardDeniesIt() {
        int refusals = 0;
        List<String> missed = new ArrayList<>();
        for (PolicyCases.Case c : PolicyCases.all()) {
            if (c.op() == Operation.DELETE || c.newObject() == null || !c.newObject().path("spec").isObject()) {
                continue;
            }
            JsonNode mutated = Kinds.of(c.newObject()).orElseThrow().defaults(c.newObject()).mutated().path("spec");
            List<JsonNode> specs = new ArrayList<>();
            if ("BackupSchedule".equals(c.newObject().path("kind").asString(""))) {
                for (String t : List.of("backupTemplate", "logBackupTemplate")) {
                    if (mutated.get(t) instanceof ObjectNode o) {
                        specs.add(o);
                    }
                }
            } else {
                specs.add(mutated);
            }
            for (JsonNode spec : specs) {
                if (refusedBy(spec).isEmpty()) {
                    continue;
                }
                refusals++;
                Verdict v = c.decide();
                if (v.allowed() || v.violations().stream().noneMatch(x -> x.path().startsWith("spec"))) {
                    missed.add(c.name());
                }
            }
        }
        assertEquals(List.of(), missed, "cases the CRD refuses and brguard allows");
        assertTrue(refusals >= 3, "only " + refusals + " cases exercise the CRD's rules");
    }

    private static List<String> sorted(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asString()));
        out.sort(null);
        return out;
    }
}
