package io.brguard.policy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.StringNode;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

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
        // cleanPolicy and volumeBackupInitJobMaxActiveSeconds (the CRD's), logSubcommand, remove logStop, label
        assertEquals(5, r.patch().size(), r.patch()::toString);
    }

    @Test
    void anObjectThatIsAlreadyDefaultedComesBackAsItIsWithAnEmptyPatch() {
        JsonNode input = Json.JSON.readTree(OBJECT);
        Mutator.Result first = Mutator.mutate(input);
        Mutator.Result again = Mutator.mutate(first.mutated());
        assertTrue(again.patch().isEmpty(), again.patch()::toString);
        assertSame(first.mutated(), again.mutated());
    }

    @Test
    void onlyTheLabelIsPatchedWhenTheSpecIsDefaultedAndTheSpecIsShared() {
        JsonNode input = Json.JSON.readTree(OBJECT.replace("\"logStop\": true",
                "\"logSubcommand\": \"log-start\", \"cleanPolicy\": \"Retain\", \"volumeBackupInitJobMaxActiveSeconds\": 600"));
        Mutator.Result r = Mutator.mutate(input);
        assertEquals(List.of(PatchOp.add("/metadata/labels/br.pingcap.com~1cluster", StringNode.valueOf("demo1"))), r.patch());
        assertEquals(input.get("spec"), r.mutated().get("spec"));
        assertFalse(input.path("metadata").path("labels").has(Mutator.CLUSTER_LABEL), "the input's labels are copied, not changed");
    }

    /** The hand-written check agrees with the label-value pattern from the Kubernetes API conventions. */
    @Test
    void labelValueCheckAgreesWithTheKubernetesPattern() {
        Pattern k8s = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
        String alphabet = "aZ09-_./ é";
        Random random = new Random(42);
        int valid = 0;
        for (int i = 0; i < 20_000; i++) {
            int length = random.nextInt(6) == 0 ? 60 + random.nextInt(6) : random.nextInt(5);
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < length; j++) {
                sb.append(random.nextInt(4) == 0 ? alphabet.charAt(random.nextInt(alphabet.length())) : 'a');
            }
            String v = sb.toString();
            boolean expected = !v.isEmpty() && k8s.matcher(v).matches();
            assertEquals(expected, Mutator.isLabelValue(v), () -> "label value '" + v + "'");
            valid += expected ? 1 : 0;
        }
        assertTrue(valid > 1_000 && valid < 19_000, "both outcomes are exercised: " + valid);
    }
}
