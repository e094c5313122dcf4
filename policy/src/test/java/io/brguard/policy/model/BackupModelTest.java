package io.brguard.policy.model;

import io.brguard.policy.Json;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupModelTest {

    static List<String> seedExamples() {
        return Fixtures.yamlFiles("examples/seed");
    }

    @ParameterizedTest
    @MethodSource("seedExamples")
    void everySeedExampleRoundTripsByMeaning(String file) {
        ObjectNode original = Fixtures.object(file);
        Backup parsed = Json.toBackup(original);
        JsonNode once = Json.toTree(parsed);
        assertSame(original, once, file + ": parse -> serialize changed the object");
        assertSame(once, Json.toTree(Json.toBackup(once)), file + ": second round trip differs");
        assertSame(once, Json.YAML.readTree(Json.YAML.writeValueAsString(parsed)), file + ": YAML round trip differs");
        assertFalse(parsed.getSpec().hasUnknownFields(), file + ": a seed field is not modelled");
        assertFalse(parsed.getSpec().getAzblob().hasUnknownFields(), file + ": an azblob field is not modelled");
        assertFalse(parsed.getSpec().getBr().hasUnknownFields(), file + ": a br field is not modelled");
    }

    static List<String> restoreAndScheduleExamples() {
        List<String> files = new java.util.ArrayList<>(Fixtures.yamlFiles("examples/restores"));
        files.addAll(Fixtures.yamlFiles("examples/schedules"));
        return files;
    }

    /* Restores and BackupSchedules through their models come back as they were, with nothing added. */
    @ParameterizedTest
    @MethodSource("restoreAndScheduleExamples")
    void everyRestoreAndScheduleExampleRoundTripsByMeaning(String file) {
        ObjectNode original = Fixtures.object(file);
        Object parsed = original.path("kind").asString().equals("Restore") ? Json.toRestore(original) : Json.toSchedule(original);
        assertSame(original, Json.JSON.valueToTree(parsed), file + ": parse -> serialize changed the object");
    }

    @Test
    void readsTheSeedLogExampleIntoTypedFields() {
        Backup b = Json.toBackup(Fixtures.object("examples/seed/log/01-start.yaml"));
        assertEquals("log", b.getSpec().getBackupMode());
        assertEquals("log-start", b.getSpec().getLogSubcommand());
        assertEquals("demo1", b.getSpec().getBr().getCluster());
        assertEquals(Boolean.TRUE, b.getSpec().getBr().getSendCredToTikv());
        assertEquals("my-container", b.getSpec().getAzblob().getContainer());
        assertEquals("my-log-backup-folder", b.getSpec().getAzblob().getPrefix());
        assertEquals("test1", b.getMetadata().getNamespace());
    }

    @Test
    void keepsUnknownFieldsAtEveryLevelThroughAReadModifyWrite() {
        ObjectNode tree = Fixtures.yaml("""
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                topLevelFromTheFuture: {a: 1}
                metadata:
                  name: b
                  namespace: ns
                  annotations: {argocd.argoproj.io/sync-wave: "2"}
                spec:
                  backupMode: log
                  newSpecField: [1, 2]
                  br: {cluster: demo1, newBrFlag: true}
                  azblob: {container: c1, prefix: p, encryptionScope: scope1}
                  cleanOption: {pageSize: 100, newCleanKnob: x}
                  resources: {limits: {cpu: "1", memory: 2Gi}}
                  env: [{name: A, value: b}]
                status:
                  phase: Running
                  commitTs: "436568622965194754"
                  kernelState: NORMAL
                  conditions:
                  - {type: Running, status: "True", lastTransitionTime: "2022-10-10T04:45:31Z", extra: y}
                  logSubCommandStatuses:
                    log-start:
                      command: log-start
                      phase: Complete
                      futureField: 7
                      conditions: [{type: Complete, status: "True"}]
                  progresses: [{step: Backup, progress: 99.5}]
                """);
        Backup b = Json.toBackup(tree);
        // modify a typed field, then write back: everything unknown must survive
        b.getSpec().setLogSubcommand("log-pause");
        b.getStatus().setPhase("Paused");
        ObjectNode written = Json.toTree(b);

        ObjectNode expected = tree.deepCopy();
        ((ObjectNode) expected.get("spec")).put("logSubcommand", "log-pause");
        ((ObjectNode) expected.get("status")).put("phase", "Paused");
        assertSame(expected, written, "read-modify-write");
        assertTrue(b.getSpec().hasUnknownFields());
        assertEquals("scope1", b.getSpec().getAzblob().getAdditionalProperties().get("encryptionScope"));
        assertEquals(7, ((Number) b.getStatus().getLogSubCommandStatuses().get("log-start")
                .getAdditionalProperties().get("futureField")).intValue());
    }

    @Test
    void keepsLargeIntegersAndDecimalsByValue() {
        ObjectNode tree = Fixtures.yaml("""
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: b}
                spec: {br: {cluster: c, concurrency: 4294967295, rateLimit: 9007199254740993}}
                status: {backupSize: 9223372036854775807, progresses: [{step: s, progress: 12.345678901234567890}]}
                """);
        assertSame(tree, Json.toTree(Json.toBackup(tree)), "numbers");
    }

    @Test
    void sameMeaningComparesNumbersByValueButNotStringsWithNumbers() {
        assertTrue(Json.sameMeaning(Json.JSON.readTree("{\"a\":100}"), Json.JSON.readTree("{\"a\":100.0}")));
        assertFalse(Json.sameMeaning(Json.JSON.readTree("{\"a\":100}"), Json.JSON.readTree("{\"a\":\"100\"}")));
        assertFalse(Json.sameMeaning(Json.JSON.readTree("{\"a\":100}"), Json.JSON.readTree("{\"a\":101}")));
        assertFalse(Json.sameMeaning(Json.JSON.readTree("[1,2]"), Json.JSON.readTree("[2,1]")));
    }

    private static void assertSame(JsonNode expected, JsonNode actual, String what) {
        assertTrue(Json.sameMeaning(expected, actual), what + ": expected " + expected + " but was " + actual);
    }

    @Test
    void copiesAreDeepAndLeaveTheOriginalUntouched() {
        Backup b = Json.toBackup(Fixtures.object("examples/seed/log/01-start.yaml"));
        Backup c = Json.copy(b);
        c.getSpec().getAzblob().setPrefix("elsewhere");
        assertEquals("my-log-backup-folder", b.getSpec().getAzblob().getPrefix());
    }
}
