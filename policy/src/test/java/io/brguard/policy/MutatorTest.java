package io.brguard.policy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Defaulting copies only what it changes and never touches its input. */
class MutatorTest {
    private static final String OBJECT = """
            {"apiVersion": "br.pingcap.com/v1alpha1", "kind": "Backup",
             "metadata": {"name": "demo1-log", "namespace": "test1", "labels": {"team": "db"},
                          "managedFields": [{"manager": "kubectl"}]},
             "spec": {"backupMode": "log", "logStop": true, "br": {"cluster": "demo1"},
                      "azblob": {"container": "c", "prefix": "p", "secretName": "s"}},
             "status": {"phase": "Running", "conditions": [{"type": "Running"}]}}
            """;

    @Test
    void theInputIsLeftAsItWasAndUntouchedSubtreesAreShared() {
        JsonNode input = Json.JSON.readTree(OBJECT);
        JsonNode before = input.deepCopy();
        Mutator.Result r = Mutator.mutate(input);

        assertEquals(before, input, "mutate must not change its input");
        JsonNode out = r.mutated();
        assertEquals("log-stop", out.path("spec").path("logSubcommand").asString());
        assertTrue(out.path("spec").path("logStop").isMissingNode());
        assertEquals("demo1", out.path("metadata").path("labels").path(Mutator.CLUSTER_LABEL).asString());
        assertEquals("db", out.path("metadata").path("labels").path("team").asString());
        assertFalse(input.path("metadata").path("labels").has(Mutator.CLUSTER_LABEL));
        assertSame(input.get("status"), out.get("status"), "status is shared, not copied");
        assertSame(input.path("spec").get("azblob"), out.path("spec").get("azblob"));
        assertEquals(4, r.patch().size(), r.patch()::toString); // cleanPolicy, logSubcommand, remove logStop, label
    }
}
