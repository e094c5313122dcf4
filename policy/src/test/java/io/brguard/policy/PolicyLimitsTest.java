package io.brguard.policy;

import io.brguard.policy.testing.FixtureLookups;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one request can make the policy do and say is bounded, however much the request holds. */
class PolicyLimitsTest {
    private static final Lookups LOOKUPS = FixtureLookups.of(Fixtures.yaml(
            "{secrets: {test1/azblob-secret: [AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY]}, backups: []}"), n -> n);

    private static ObjectNode seed() {
        return Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml");
    }

    private static Verdict create(ObjectNode object) {
        return new Policy().decide(Operation.CREATE, null, object, LOOKUPS);
    }

    @Test
    void refusesAHundredThousandTableFiltersWithOneFindingAndJudgesNothingElse() {
        ObjectNode b = seed();
        ArrayNode filters = ((ObjectNode) b.get("spec")).putArray("tableFilter");
        for (int i = 0; i < 100_000; i++) {
            filters.add("no-dot-" + i);
        }
        Verdict v = create(b);
        assertEquals(List.of("schema.too-large spec.tableFilter: 100000 entries, more than 2000; a Backup spec holds "
                + "tens of values; split or shorten it"), v.violations().stream().map(Violation::message).toList());
    }

    @Test
    void refusesSixHundredUnknownFieldsAsTooLarge() {
        ObjectNode b = seed();
        for (int i = 0; i < 600; i++) {
            ((ObjectNode) b.get("spec")).put("unknown" + i, i);
        }
        Verdict v = create(b);
        assertEquals(List.of("schema.too-large"), v.ruleIds());
        assertTrue(v.violations().get(0).message().contains("fields, more than 500"));
    }

    @Test
    void reportsFiveFindingsOfOneRuleOnOneListAndCountsTheRest() {
        ObjectNode b = seed();
        ArrayNode filters = ((ObjectNode) b.get("spec")).putArray("tableFilter");
        for (int i = 0; i < 1_500; i++) {
            filters.add("no-dot-" + i);
        }
        Verdict v = create(b);
        assertEquals(6, v.violations().size(), v.violations().toString());
        assertEquals("field.table-filter spec.tableFilter: and 1495 more entries with the same problem, not listed; "
                + "fix them the same way", v.violations().get(5).message());
        assertTrue(v.denialMessage().length() < 2_000, v.denialMessage().length() + " characters");
    }

    @Test
    void reportsTwentyFindingsInAllAndCountsTheRest() {
        ObjectNode b = seed();
        for (int i = 0; i < 300; i++) {
            ((ObjectNode) b.get("spec")).put("unknown" + i, i);
        }
        Verdict v = create(b);
        assertEquals(Limits.PER_ANSWER + 1, v.violations().size());
        Violation last = v.violations().get(Limits.PER_ANSWER);
        assertEquals("schema.invalid spec: and 280 more problems, not listed (schema.invalid); fix the ones above and apply again",
                last.message());
        assertTrue(v.denialMessage().length() < 8_000, v.denialMessage().length() + " characters");
    }

    @Test
    void namesNoJavaClassWhenASpecDoesNotBind() {
        ObjectNode b = seed();
        ((ObjectNode) b.get("spec")).putObject("cleanOption").put("pageSize", "lots");
        ((ObjectNode) b.get("spec")).putArray("tolerations").addObject().putArray("key");
        Verdict v = create(b);
        assertTrue(!v.allowed(), v.toString());
        String all = v.denialMessage();
        assertTrue(!all.matches("(?s).*\\b(java|io\\.fabric8|tools\\.jackson|io\\.brguard)\\.[a-z.]*[A-Z].*"), all);
    }

    @Test
    void quotesAtMostAFewHundredCharactersOfALongValueOrKey() {
        ObjectNode b = seed();
        ((ObjectNode) b.get("spec").get("azblob")).put("prefix", "x".repeat(200_000) + "/../up");
        ((ObjectNode) b.get("spec")).put("k".repeat(100_000), 1);
        Verdict v = create(b);
        assertTrue(!v.allowed(), v.toString());
        for (Violation violation : v.violations()) {
            assertTrue(violation.message().length() < 800, violation.message().length() + " characters: "
                    + violation.message().substring(0, Math.min(300, violation.message().length())));
        }
    }
}
