package io.brguard.policy;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CRD in manifests/crd and brguard's JSON Schema describe the same spec. */
class CrdSchemaAgreementTest {
    private static final String CRD_FILE = "manifests/crd/backups.br.pingcap.com.yaml";
    private static final JsonNode CRD = Fixtures.object(CRD_FILE);
    private static final JsonNode VERSION = CRD.path("spec").path("versions").get(0);
    private static final JsonNode CRD_SPEC = VERSION.path("schema").path("openAPIV3Schema").path("properties").path("spec");
    private static final Schema CRD_SPEC_AS_JSON_SCHEMA = SchemaRegistry
            .withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(io.brguard.policy.testing.OpenApiSchemas.asJsonSchema(CRD_SPEC));

    static List<String> seedExamples() {
        return Fixtures.yamlFiles("examples/seed");
    }

    @Test
    void crdNamesTheBackupKindOfBrPingcapCom() {
        assertEquals("backups.br.pingcap.com", CRD.path("metadata").path("name").asString());
        assertEquals("br.pingcap.com", CRD.path("spec").path("group").asString());
        assertEquals("Backup", CRD.path("spec").path("names").path("kind").asString());
        assertEquals("bk", CRD.path("spec").path("names").path("shortNames").get(0).asString());
        assertEquals("v1alpha1", VERSION.path("name").asString());
        assertTrue(VERSION.path("subresources").path("status").isObject(), "status subresource");
    }

    /** The BackupSchedule CRD's templates are this Backup spec schema, as upstream's CRD repeats BackupSpec there. */
    @Test
    void scheduleTemplatesAreTheBackupSpecSchema() {
        JsonNode schedule = Fixtures.object("manifests/crd/backupschedules.br.pingcap.com.yaml").path("spec").path("versions")
                .get(0).path("schema").path("openAPIV3Schema").path("properties").path("spec").path("properties");
        for (String t : List.of("backupTemplate", "logBackupTemplate")) {
            JsonNode template = schedule.path(t).deepCopy();
            ((ObjectNode) template).remove("description");
            JsonNode backup = CRD_SPEC.deepCopy();
            ((ObjectNode) backup).remove("description");
            assertTrue(Json.sameMeaning(backup, template), t + " differs from the Backup spec schema");
        }
    }

    @Test
    void crdSchemaIsStructural() {
        List<String> problems = new ArrayList<>();
        structural("openAPIV3Schema", VERSION.path("schema").path("openAPIV3Schema"), problems);
        assertEquals(List.of(), problems);
    }

    @Test
    void crdAndJsonSchemaDeclareTheSameFieldsTypesEnumsAndRequiredLists() {
        List<String> diffs = new ArrayList<>();
        compare("spec", SpecSchema.document(), CRD_SPEC, diffs);
        assertEquals(List.of(), diffs);
    }

    @ParameterizedTest
    @MethodSource("seedExamples")
    void bothSchemasAcceptEverySeedExample(String file) {
        JsonNode spec = Fixtures.object(file).get("spec");
        assertEquals(List.of(), SpecSchema.validate(spec));
        assertEquals(List.of(), CRD_SPEC_AS_JSON_SCHEMA.validate(spec));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{br: {cluster: c}, backupMode: incremental}",
            "{br: {cluster: c}, backupType: raw}",
            "{br: {cluster: c}, cleanPolicy: Never}",
            "{br: {cluster: c}, logSubcommand: log-start/log-pause/log-stop}",
            "{br: {cluster: c}, logStop: \"yes\"}",
            "{br: {cluster: c}, tableFilter: [\"\"]}",
            "{br: {cluster: c, concurrency: -1}}",
            "{br: {cluster: \"\"}}",
            "{br: {}}",
            "{azblob: {container: c}}",
            "{br: {cluster: c}, azblob: {container: 7}}",
            "{br: {cluster: c}, cleanOption: {retryCount: -1}}"})
    void bothSchemasRejectTheSameBadSpecs(String yaml) {
        JsonNode spec = Fixtures.yaml(yaml);
        assertFalse(SpecSchema.validate(spec).isEmpty(), "JSON Schema accepted " + yaml);
        assertFalse(CRD_SPEC_AS_JSON_SCHEMA.validate(spec).isEmpty(), "CRD schema accepted " + yaml);
    }

    /**
     * The printer columns of TiDB Operator v2's CRD, in order, with their priorities and paths (the kubebuilder
     * printcolumn markers of api/br/v1alpha1/backup_types.go): {@code kubectl get backup} shows all but Started and
     * Completed, which need {@code -o wide}.
     */
    @Test
    void printerColumnsAreTiDBOperatorV2s() {
        assertEquals(List.of(
                "Type string .spec.backupType 0",
                "Mode string .spec.backupMode 0",
                "Status string .status.phase 0",
                "BackupPath string .status.backupPath 0",
                "BackupSize string .status.backupSizeReadable 0",
                "CommitTS string .status.commitTs 0",
                "LogTruncateUntil string .status.logSuccessTruncateUntil 0",
                "Started date .status.timeStarted 1",
                "Completed date .status.timeCompleted 1",
                "TimeTaken string .status.timeTaken 0",
                "Age date .metadata.creationTimestamp 0"), printerColumns(VERSION));
    }

    /** A CRD version's printer columns, one line each: name, type, JSON path, priority. */
    static List<String> printerColumns(JsonNode version) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : version.path("additionalPrinterColumns")) {
            out.add(c.path("name").asString() + " " + c.path("type").asString() + " " + c.path("jsonPath").asString()
                    + " " + c.path("priority").asInt(0));
        }
        return out;
    }

    /*
     * The JSON names of TiDB Operator v2's Backup types (api/br/v1alpha1/backup_types.go: BackupSpec with its
     * inlined StorageProvider, BRConfig, AzblobStorageProvider, CleanOption with its inlined BatchDeleteOption,
     * BackupStatus). Fields only v1 has are absent: a v2 API server prunes them without a word.
     */
    private static final Set<String> V2_SPEC = Set.of("resources", "env", "backupType", "backupMode", "s3", "gcs",
            "azblob", "local", "br", "storageClassName", "storageSize", "commitTs", "logSubcommand", "logTruncateUntil",
            "logStop", "tolerations", "toolImage", "imagePullSecrets", "tableFilter", "affinity", "useKMS",
            "serviceAccount", "cleanPolicy", "cleanOption", "podSecurityContext", "priorityClassName",
            "backoffRetryPolicy", "additionalVolumes", "additionalVolumeMounts", "volumeBackupInitJobMaxActiveSeconds");
    private static final Set<String> V2_BR = Set.of("cluster", "clusterNamespace", "db", "table", "logLevel",
            "statusAddr", "concurrency", "rateLimit", "timeAgo", "checksum", "checkRequirements", "sendCredToTikv",
            "onLine", "options");
    private static final Set<String> V2_AZBLOB = Set.of("path", "container", "accessTier", "secretName",
            "storageAccount", "sasToken", "prefix");
    private static final Set<String> V2_CLEAN_OPTION = Set.of("pageSize", "retryCount", "backoffEnabled",
            "disableBatchConcurrency", "batchConcurrency", "routineConcurrency");
    private static final Set<String> V2_STATUS = Set.of("backupPath", "timeStarted", "timeCompleted", "timeTaken",
            "backupSizeReadable", "backupSize", "commitTs", "logSuccessTruncateUntil", "logCheckpointTs", "phase",
            "conditions", "logSubCommandStatuses", "progresses", "backoffRetryStatus");

    @Test
    void crdDeclaresExactlyTheFieldsOfTiDBOperatorV2() {
        JsonNode spec = CRD_SPEC.path("properties");
        assertEquals(new TreeSet<>(V2_SPEC), new TreeSet<>(spec.propertyNames()), "spec");
        assertEquals(new TreeSet<>(V2_BR), new TreeSet<>(spec.path("br").path("properties").propertyNames()), "spec.br");
        assertEquals(new TreeSet<>(V2_AZBLOB), new TreeSet<>(spec.path("azblob").path("properties").propertyNames()), "spec.azblob");
        assertEquals(new TreeSet<>(V2_CLEAN_OPTION), new TreeSet<>(spec.path("cleanOption").path("properties").propertyNames()),
                "spec.cleanOption");
        JsonNode status = VERSION.path("schema").path("openAPIV3Schema").path("properties").path("status").path("properties");
        assertEquals(new TreeSet<>(V2_STATUS), new TreeSet<>(status.propertyNames()), "status");
        assertEquals(new TreeSet<>(V2_SPEC), new TreeSet<>(SpecSchema.document().path("properties").propertyNames()),
                "the JSON Schema's spec");
    }

    /**
     * v2's status conditions are metav1.Condition (BackupStatus.Conditions), and a log subcommand's are
     * BackupCondition: metav1.Condition inlined beside a command. The API server refuses a status write that breaks
     * their schema, e.g. a reason with spaces, so the controller's conditions are checked against it too.
     */
    @Test
    void crdConditionsAreShapedAsMetav1Condition() {
        JsonNode status = VERSION.path("schema").path("openAPIV3Schema").path("properties").path("status").path("properties");
        JsonNode top = status.path("conditions").path("items");
        JsonNode sub = status.path("logSubCommandStatuses").path("additionalProperties").path("properties")
                .path("conditions").path("items");
        for (JsonNode c : List.of(top, sub)) {
            assertEquals(new TreeSet<>(List.of("lastTransitionTime", "message", "reason", "status", "type")),
                    new TreeSet<>(strings(c.path("required"))), c.toString());
            assertEquals("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$", c.path("properties").path("reason").path("pattern").asString());
            assertEquals(1, c.path("properties").path("reason").path("minLength").asInt());
            assertEquals(List.of("True", "False", "Unknown"), strings(c.path("properties").path("status").path("enum")));
        }
        assertFalse(top.path("properties").has("command"), "top-level conditions are metav1.Condition, with no command");
        assertTrue(sub.path("properties").has("command"), "a subcommand's conditions carry the command");
    }

    static void structural(String path, JsonNode s, List<String> problems) {
        if (!s.has("type") && !s.path("x-kubernetes-int-or-string").asBoolean(false)) {
            problems.add(path + ": no type");
        }
        String type = s.path("type").asString("");
        if (s.has("properties") && !type.equals("object")) {
            problems.add(path + ": properties on a " + type);
        }
        if (s.has("items") && !type.equals("array")) {
            problems.add(path + ": items on a " + type);
        }
        if (type.equals("array") && !s.has("items")) {
            problems.add(path + ": array without items");
        }
        if (type.equals("object") && s.has("properties") && s.has("additionalProperties")) {
            problems.add(path + ": both properties and additionalProperties");
        }
        s.path("properties").properties().forEach(e -> structural(path + "." + e.getKey(), e.getValue(), problems));
        if (s.has("items")) {
            structural(path + "[]", s.get("items"), problems);
        }
        if (s.path("additionalProperties").isObject()) {
            structural(path + "{}", s.get("additionalProperties"), problems);
        }
    }

    static void compare(String path, JsonNode json, JsonNode crd, List<String> diffs) {
        if (!json.path("type").equals(crd.path("type"))) {
            diffs.add(path + ": type " + json.path("type") + " vs CRD " + crd.path("type"));
        }
        if (!json.path("enum").equals(crd.path("enum"))) {
            diffs.add(path + ": enum " + json.path("enum") + " vs CRD " + crd.path("enum"));
        }
        if (!new TreeSet<>(strings(json.path("required"))).equals(new TreeSet<>(strings(crd.path("required"))))) {
            diffs.add(path + ": required " + json.path("required") + " vs CRD " + crd.path("required"));
        }
        for (String k : List.of("minimum", "maximum", "minLength")) {
            if (!Json.sameMeaning(json.path(k), crd.path(k))) {
                diffs.add(path + ": " + k + " " + json.path(k) + " vs CRD " + crd.path(k));
            }
        }
        TreeSet<String> names = new TreeSet<>(json.path("properties").propertyNames());
        names.addAll(crd.path("properties").propertyNames());
        for (String n : names) {
            JsonNode a = json.path("properties").path(n);
            JsonNode b = crd.path("properties").path(n);
            if (a.isMissingNode() || b.isMissingNode()) {
                diffs.add(path + "." + n + ": only in " + (a.isMissingNode() ? "the CRD" : "the JSON Schema"));
            } else {
                compare(path + "." + n, a, b, diffs);
            }
        }
        if (json.has("items") || crd.has("items")) {
            compare(path + "[]", json.path("items"), crd.path("items"), diffs);
        }
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
