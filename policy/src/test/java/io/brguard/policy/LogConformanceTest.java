package io.brguard.policy;

import io.brguard.policy.model.Backup;
import io.brguard.policy.state.LogState;
import io.brguard.policy.testing.FixtureLookups;
import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.testing.OperatorV2;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance table (src/test/resources/conformance/log-subcommands.yaml): for every old status shape TiDB
 * Operator v2 leaves behind and every new logSubcommand value, brguard's verdict and what the operator does,
 * computed by {@link OperatorV2}, a port of the operator's code. Beyond the two columns, every cell must agree with
 * the operator's outcome: allowed exactly when the operator ends in the phase the value asks for, unless the cell
 * gives a policy reason for a stricter denial (and then the operator must really have acted).
 */
class LogConformanceTest {
    private static final String COMMIT_TS = "436568622965194754";
    private static final List<String> VALUES = List.of("log-start", "log-pause", "log-stop", "none", "log-resume",
            "log-truncate");
    private static final JsonNode TABLE = Fixtures.object("policy/src/test/resources/conformance/log-subcommands.yaml");
    private static final Lookups LOOKUPS = FixtureLookups.of(Fixtures.yaml(
            "{secrets: {test1/azblob-secret: [AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY]}, backups: []}"), n -> n);

    /** One cell of the table: a shape and a new value. */
    private record Cell(JsonNode shape, String value, String verdict, String reaction, String policyReason) {
        String name() {
            return shape.path("name").asString() + " -> " + value;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCellAgreesWithBrguardAndTheOperator() {
        return cells().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    @Test
    void theTableHasAShapeForEveryLogStateAndACellForEveryValue() {
        Set<LogState> seen = EnumSet.noneOf(LogState.class);
        for (JsonNode shape : TABLE.path("shapes")) {
            seen.add(LogState.of(oldBackup(shape)));
            List<String> values = new ArrayList<>(shape.path("cells").propertyNames());
            assertEquals(VALUES, values, shape.path("name").asString());
        }
        assertEquals(EnumSet.allOf(LogState.class), seen, "log states without a shape");
    }

    private static void check(Cell c) {
        JsonNode shape = c.shape();
        boolean create = shape.path("create").asBoolean(false);
        String value = c.value().equals("none") ? "" : c.value();
        JsonNode newObject = object(value, null);
        JsonNode oldObject = create ? null : object(shape.path("old").asString(), shape);
        Verdict v = new Policy().decide(create ? Operation.CREATE : Operation.UPDATE, oldObject, newObject, LOOKUPS);
        List<String> denials = v.violations().stream().map(Violation::ruleId).toList();
        assertEquals(c.verdict().equals("allow") ? List.of() : List.of(c.verdict()), denials, c.name() + ": " + v);

        JsonNode status = shape.path("status");
        String phase = create ? "" : status.path("phase").asString("");
        Map<String, String> sub = new LinkedHashMap<>();
        status.path("sub").properties().forEach(e -> sub.put(e.getKey(), e.getValue().asString()));
        OperatorV2.Reaction r = OperatorV2.react(phase, status.has("commitTs"), sub,
                shape.path("deleting").asBoolean(false), value);
        assertEquals(c.reaction(), r.token(), c.name() + ": what TiDB Operator v2 does");

        if (!create && value.equals(shape.path("old").asString())) {
            assertTrue(v.allowed(), c.name() + ": re-applying the old value is always allowed");
            return;
        }
        boolean operatorGetsThere = r.endPhase().equals(OperatorV2.intent(phase, value));
        if (c.policyReason() != null) {
            assertFalse(v.allowed(), c.name() + ": a policy reason is given for a denial only");
            assertTrue(operatorGetsThere && r.runsJob(), c.name() + ": the policy note is stale, the operator would not act");
        } else {
            assertEquals(operatorGetsThere, v.allowed(), c.name() + ": allowed must mean the operator ends in "
                    + OperatorV2.intent(phase, value) + ", and it " + r.token() + " in " + r.endPhase());
        }
    }

    private static List<Cell> cells() {
        List<Cell> out = new ArrayList<>();
        for (JsonNode shape : TABLE.path("shapes")) {
            for (String value : VALUES) {
                String[] parts = shape.path("cells").path(value).asString().split("\\s*\\|\\s*", 3);
                assertTrue(parts.length >= 2, shape.path("name").asString() + " " + value + ": verdict | reaction");
                String policy = parts.length == 3 ? parts[2] : null;
                if (policy != null) {
                    assertTrue(policy.startsWith("policy: "), policy);
                }
                out.add(new Cell(shape, value, parts[0], parts[1], policy));
            }
        }
        assertNotEquals(0, out.size());
        return out;
    }

    /** The seed's log backup with this logSubcommand ("" removes it) and, for an old object, the shape's status. */
    private static JsonNode object(String logSubcommand, JsonNode shape) {
        ObjectNode o = (ObjectNode) Fixtures.object("examples/seed/log/01-start.yaml");
        ObjectNode spec = (ObjectNode) o.get("spec");
        if (logSubcommand.isEmpty()) {
            spec.remove("logSubcommand");
        } else {
            spec.put("logSubcommand", logSubcommand);
        }
        if (shape == null) {
            return o;
        }
        JsonNode st = shape.path("status");
        ObjectNode status = o.putObject("status");
        status.put("phase", st.path("phase").asString(""));
        if (st.has("commitTs")) {
            status.put("commitTs", COMMIT_TS);
        }
        if (st.has("sub")) {
            ObjectNode subs = status.putObject("logSubCommandStatuses");
            st.path("sub").properties().forEach(e -> subs.putObject(e.getKey())
                    .put("command", e.getKey()).put("phase", e.getValue().asString()));
        }
        if (shape.path("deleting").asBoolean(false)) {
            ((ObjectNode) o.get("metadata")).put("deletionTimestamp", "2026-11-30T10:00:00Z");
        }
        return o;
    }

    private static Backup oldBackup(JsonNode shape) {
        return shape.path("create").asBoolean(false) ? null
                : Json.toBackup(object(shape.path("old").asString(), shape));
    }
}
