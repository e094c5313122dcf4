package io.brguard.policy;

import io.brguard.policy.model.Backup;
import io.brguard.policy.state.LogCommand;
import io.brguard.policy.state.LogState;
import io.brguard.policy.state.TransitionTable;
import io.brguard.policy.testing.PolicyCases;
import io.brguard.policy.testing.PolicyCases.Case;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every admission rule, table-driven from the YAML files in src/test/resources/cases. A case builds its old and
 * new objects as merge patches over a seed example ({@code $file} picks another one), decides, and compares the
 * exact list of denials ({@code deny}, absent means allowed) and, when given, the exact warnings, unchecked rules
 * and mutation patch.
 */
class PolicyCasesTest {
    private static final List<Case> CASES = PolicyCases.all();

    @TestFactory
    Stream<DynamicTest> everyCase() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name() + " [" + c.file() + "]", () -> check(c)));
    }

    private static void check(Case c) {
        Verdict v = c.decide();
        String context = c.name() + ": " + v;
        assertEquals(sorted(c.expect().path("deny")), sorted(v.violations().stream()
                .map(x -> x.ruleId() + " " + x.path()).toList()), "denials of " + context);
        if (c.expect().has("warn")) {
            assertEquals(sorted(c.expect().path("warn")), sorted(v.warnings().stream()
                    .map(x -> x.ruleId() + " " + x.path()).toList()), "warnings of " + context);
        }
        assertEquals(sorted(c.expect().path("unchecked")), sorted(v.unchecked().stream()
                .map(x -> x.ruleId() + " " + x.path()).toList()), "unchecked rules of " + context);
        if (c.expect().has("patch")) {
            assertTrue(Json.sameMeaning(c.expect().get("patch"), Json.JSON.valueToTree(v.patch())),
                    "patch of " + c.name() + ": " + Json.JSON.valueToTree(v.patch()));
        }
        for (JsonNode needle : c.expect().path("message")) {
            String all = v.denialMessage() + " | " + v.warnings();
            assertTrue(all.contains(needle.asString()), c.name() + ": no '" + needle.asString() + "' in " + all);
        }
        for (JsonNode secret : c.expect().path("notInMessages")) {
            String all = v.violations() + " " + v.warnings() + " " + v.unchecked();
            assertFalse(all.contains(secret.asString()), c.name() + ": '" + secret.asString() + "' leaked into " + all);
        }
        for (Violation x : v.violations()) {
            String m = x.message();
            assertTrue(m.startsWith(x.ruleId() + " " + x.path() + ": "), "format: " + m);
            assertFalse(m.contains("\n"), "one line: " + m);
            assertTrue(m.length() <= 300, "short enough for a GitOps sync error: " + m);
        }
        v.warnings().forEach(w -> assertTrue(w.message().length() <= Warning.MAX_LENGTH, w.message()));
    }

    @Test
    void everyRuleInTheCatalogIsExercisedByACase() {
        Set<String> seen = new HashSet<>();
        for (Case c : CASES) {
            for (String key : List.of("deny", "warn", "unchecked")) {
                c.expect().path(key).forEach(n -> seen.add(n.asString().split(" ")[0]));
            }
        }
        Set<String> missing = new TreeSet<>(RuleCatalog.entries().keySet());
        missing.removeAll(seen);
        assertEquals(Set.of(), missing, "rules without a case");
        Set<String> unknown = new TreeSet<>(seen);
        unknown.removeAll(RuleCatalog.entries().keySet());
        assertEquals(Set.of(), unknown, "cases naming rules that do not exist");
    }

    @Test
    void everyCellOfTheTransitionTableIsExercisedByACase() {
        Set<String> seen = new HashSet<>();
        for (Case c : CASES) {
            if (c.op() == Operation.DELETE) {
                continue;
            }
            Backup now;
            try {
                now = Json.toBackup(Mutator.mutate(c.newObject()).mutated());
            } catch (tools.jackson.core.JacksonException e) {
                continue; // a deliberately ill-typed spec: no transition to count
            }
            if (!"log".equals(now.getSpec().getBackupMode()) || LogCommand.of(now.getSpec()) == LogCommand.UNSUPPORTED) {
                continue;
            }
            if (c.op() == Operation.CREATE) {
                seen.add(LogState.NEW + "/" + LogCommand.of(now.getSpec()));
                continue;
            }
            Backup old = Json.toBackup(Mutator.mutate(c.oldObject()).mutated());
            if (LogCommand.of(old.getSpec()) != LogCommand.of(now.getSpec())) {
                seen.add(LogState.of(old) + "/" + LogCommand.of(now.getSpec()));
            }
        }
        Set<String> missing = new TreeSet<>();
        TransitionTable.cells().forEach(cell -> missing.add(cell.from() + "/" + cell.command()));
        missing.removeAll(seen);
        assertEquals(Set.of(), missing, "transition cells without a case");
    }

    @Test
    void caseNamesAreUniqueBehaviourNames() {
        Set<String> names = new HashSet<>();
        for (Case c : CASES) {
            assertTrue(names.add(c.name()), "duplicate case name " + c.name());
            assertTrue(c.name().matches("(allows|denies|warns|mutates|reports|keeps|skips|ignores)[A-Z][A-Za-z0-9]+"),
                    "not a behaviour name: " + c.name());
        }
        assertTrue(CASES.size() > 100, "only " + CASES.size() + " cases loaded");
    }

    private static List<String> sorted(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return sorted(out);
    }

    private static List<String> sorted(List<String> list) {
        return list.stream().sorted().toList();
    }

}
