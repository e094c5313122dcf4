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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Restore CRD in manifests/crd, brguard's Restore JSON Schema and TiDB Operator v2's Restore describe one spec. */
class RestoreCrdAgreementTest {
    private static final JsonNode CRD = Fixtures.object("manifests/crd/restores.br.pingcap.com.yaml");
    private static final JsonNode VERSION = CRD.path("spec").path("versions").get(0);
    private static final JsonNode ROOT = VERSION.path("schema").path("openAPIV3Schema");
    private static final JsonNode CRD_SPEC = ROOT.path("properties").path("spec");
    private static final Schema CRD_SPEC_AS_JSON_SCHEMA = SchemaRegistry
            .withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(io.brguard.policy.testing.OpenApiSchemas.asJsonSchema(CRD_SPEC));

    static List<String> examples() {
        return Fixtures.yamlFiles("examples/restores");
    }

    /** manifests/crd/br.pingcap.com_restores.yaml (kubebuilder markers of api/br/v1alpha1/restore_types.go). */
    @Test
    void crdNamesTheRestoreKindOfBrPingcapComWithItsStatusSubresource() {
        assertEquals("restores.br.pingcap.com", CRD.path("metadata").path("name").asString());
        assertEquals("br.pingcap.com", CRD.path("spec").path("group").asString());
        assertEquals("Namespaced", CRD.path("spec").path("scope").asString());
        JsonNode names = CRD.path("spec").path("names");
        assertEquals(List.of("Restore", "RestoreList", "restores", "restore", "rt"), List.of(names.path("kind").asString(),
                names.path("listKind").asString(), names.path("plural").asString(), names.path("singular").asString(),
                names.path("shortNames").get(0).asString()));
        assertEquals("v1alpha1", VERSION.path("name").asString());
        assertTrue(VERSION.path("subresources").path("status").isObject(), "status subresource");
        assertEquals(List.of("metadata", "spec"), CrdSchemaAgreementTest.strings(ROOT.path("required")));
    }

    @Test
    void crdSchemaIsStructural() {
        List<String> problems = new ArrayList<>();
        CrdSchemaAgreementTest.structural("openAPIV3Schema", ROOT, problems);
        assertEquals(List.of(), problems);
    }

    @Test
    void crdAndJsonSchemaDeclareTheSameFieldsTypesEnumsAndRequiredLists() {
        List<String> diffs = new ArrayList<>();
        CrdSchemaAgreementTest.compare("spec", inline(SpecSchema.RESTORE.tree()), CRD_SPEC, diffs);
        assertEquals(List.of(), diffs);
    }

    /** The printer columns of api/br/v1alpha1/restore_types.go, in order, with their priorities. */
    @Test
    void printerColumnsAreTiDBOperatorV2s() {
        assertEquals(List.of(
                "Status string .status.phase 0",
                "Started date .status.timeStarted 1",
                "Completed date .status.timeCompleted 1",
                "TimeTaken string .status.timeTaken 0",
                "CommitTS string .status.commitTs 0",
                "Age date .metadata.creationTimestamp 0"), CrdSchemaAgreementTest.printerColumns(VERSION));
    }

    /*
     * The JSON names of v2's RestoreSpec (its inlined ResourceRequirements as resources and StorageProvider as
     * s3/gcs/azblob/local) and RestoreStatus, and StorageProvider's for pitrFullBackupStorageProvider.
     */
    private static final Set<String> V2_SPEC = Set.of("resources", "env", "backupType", "restoreMode", "s3", "gcs",
            "azblob", "local", "br", "pitrRestoredTs", "logRestoreStartTs", "pitrFullBackupStorageProvider",
            "storageClassName", "storageSize", "tolerations", "affinity", "useKMS", "serviceAccount", "toolImage",
            "imagePullSecrets", "tableFilter", "podSecurityContext", "priorityClassName", "additionalVolumes",
            "additionalVolumeMounts", "tolerateSingleTiKVOutage", "backoffLimit");
    private static final Set<String> V2_STATUS = Set.of("timeStarted", "timeCompleted", "timeTaken", "commitTs", "phase",
            "conditions", "progresses");

    @Test
    void crdDeclaresExactlyTheFieldsOfTiDBOperatorV2() {
        JsonNode spec = CRD_SPEC.path("properties");
        assertEquals(new TreeSet<>(V2_SPEC), new TreeSet<>(spec.propertyNames()), "spec");
        assertEquals(new TreeSet<>(Set.of("s3", "gcs", "azblob", "local")),
                new TreeSet<>(spec.path("pitrFullBackupStorageProvider").path("properties").propertyNames()));
        assertEquals(new TreeSet<>(V2_STATUS), new TreeSet<>(ROOT.path("properties").path("status").path("properties").propertyNames()));
        assertEquals(new TreeSet<>(V2_SPEC), new TreeSet<>(SpecSchema.RESTORE.tree().path("properties").propertyNames()),
                "the JSON Schema's spec");
    }

    /** The defaults of v2's CRD, which RestorePolicy applies too so that Git and the API server compare equal. */
    @Test
    void crdDefaultsAreTiDBOperatorV2sAndThePolicysOwn() {
        JsonNode spec = CRD_SPEC.path("properties");
        assertEquals("snapshot", spec.path("restoreMode").path("default").asString());
        assertFalse(spec.path("tolerateSingleTiKVOutage").path("default").asBoolean(true));
        assertEquals(0, spec.path("backoffLimit").path("default").asInt(-1));
        JsonNode defaulted = Kinds.RESTORE.defaults(Fixtures.yaml("{spec: {br: {cluster: c}}}")).mutated().path("spec");
        assertEquals("snapshot", defaulted.path("restoreMode").asString());
        assertFalse(defaulted.path("tolerateSingleTiKVOutage").asBoolean(true));
        assertEquals(0, defaulted.path("backoffLimit").asInt(-1));
    }

    @Test
    void crdConditionsAreShapedAsMetav1Condition() {
        JsonNode c = ROOT.path("properties").path("status").path("properties").path("conditions").path("items");
        assertEquals(new TreeSet<>(List.of("lastTransitionTime", "message", "reason", "status", "type")),
                new TreeSet<>(CrdSchemaAgreementTest.strings(c.path("required"))));
        assertEquals("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$", c.path("properties").path("reason").path("pattern").asString());
    }

    @ParameterizedTest
    @MethodSource("examples")
    void bothSchemasAcceptEveryExample(String file) {
        JsonNode spec = Fixtures.object(file).get("spec");
        assertEquals(List.of(), SpecSchema.RESTORE.errors(spec));
        assertEquals(List.of(), CRD_SPEC_AS_JSON_SCHEMA.validate(spec));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{azblob: {container: c}}",
            "{br: {}}",
            "{br: {cluster: \"\"}}",
            "{br: {cluster: c}, restoreMode: point}",
            "{br: {cluster: c}, backupType: raw}",
            "{br: {cluster: c}, backoffLimit: -1}",
            "{br: {cluster: c}, tableFilter: [\"\"]}",
            "{br: {cluster: c}, pitrRestoredTs: 436979621972148225}",
            "{br: {cluster: c}, pitrFullBackupStorageProvider: {azblob: {container: 7}}}"})
    void bothSchemasRejectTheSameBadSpecs(String yaml) {
        JsonNode spec = Fixtures.yaml(yaml);
        assertFalse(SpecSchema.RESTORE.errors(spec).isEmpty(), "JSON Schema accepted " + yaml);
        assertFalse(CRD_SPEC_AS_JSON_SCHEMA.validate(spec).isEmpty(), "CRD schema accepted " + yaml);
    }

    /** The JSON Schema with its $refs into $defs replaced by what they point at, as the CRD spells every field out. */
    private static JsonNode inline(JsonNode doc) {
        JsonNode copy = doc.deepCopy();
        return resolve(copy, copy);
    }

    private static JsonNode resolve(JsonNode node, JsonNode doc) {
        if (node instanceof ObjectNode o) {
            if (o.has("$ref")) {
                return resolve(doc.at(o.get("$ref").asString().substring(1)).deepCopy(), doc);
            }
            for (Map.Entry<String, JsonNode> e : new ArrayList<>(o.properties())) {
                o.set(e.getKey(), resolve(e.getValue(), doc));
            }
        } else if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                ((tools.jackson.databind.node.ArrayNode) node).set(i, resolve(node.get(i), doc));
            }
        }
        return node;
    }
}
