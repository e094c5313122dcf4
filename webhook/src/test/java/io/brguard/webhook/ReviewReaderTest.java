package io.brguard.webhook;

import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Operation;
import io.brguard.policy.Policy;
import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.testing.PolicyCases;
import io.brguard.policy.testing.PolicyCases.Case;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handler reads a review with {@link ReviewReader}, which skips what no rule reads. These tests hold that to
 * the full tree: every policy case, wrapped in an AdmissionReview shaped like a real API server's (managedFields,
 * the last-applied annotation, status on both objects, options), gets the same answer, audit record and verdict
 * either way, on both endpoints; and bad bodies get the same 400.
 */
class ReviewReaderTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void everyPolicyCaseGetsTheSameOutcomeAsFromTheFullTree() {
        List<Case> cases = PolicyCases.all();
        assertTrue(cases.size() > 150, "the policy's cases are loaded: " + cases.size());
        int denied = 0;
        for (Case c : cases) {
            AdmissionHandler handler = new AdmissionHandler(new Policy(c.config()), CLOCK);
            for (boolean dryRun : new boolean[] {false, true}) {
                byte[] body = heavyReview(c, dryRun);
                JsonNode full = AdmissionHandler.WIRE.readTree(body);
                assertTrue(ReviewReader.read(body).path("request").path("options").isMissingNode(), c.name() + ": read, not fallen back");
                for (AdmissionHandler.Endpoint endpoint : AdmissionHandler.Endpoint.values()) {
                    AdmissionHandler.Outcome read = handler.handle(endpoint, body, c.lookups());
                    AdmissionHandler.Outcome expected = handler.handle(endpoint, full, c.lookups());
                    String where = c.name() + " [" + c.file() + "] " + endpoint + (dryRun ? " dryRun" : "");
                    assertEquals(expected.status(), read.status(), where);
                    assertEquals(expected.body(), read.body(), where);
                    assertEquals(expected.audit(), read.audit(), where);
                    assertEquals(expected.verdict(), read.verdict(), where);
                    denied += read.verdict() != null && !read.verdict().allowed() ? 1 : 0;
                }
            }
        }
        assertTrue(denied > 100, "denials are among the compared outcomes: " + denied);
    }

    @Test
    void keepsWhatRulesReadAndSkipsTheRest() {
        JsonNode old = Fixtures.object("examples/seed/log/01-start.yaml");
        ((ObjectNode) old.path("metadata")).putObject("labels").put("team", "db");
        ((ObjectNode) old).putObject("status").put("phase", "Running").put("commitTs", "436568622965194754")
                .putArray("conditions").addObject().put("type", "Running");
        JsonNode tree = ReviewReader.read(review("UPDATE", withApiServerFields(old), withApiServerFields(old), false));
        JsonNode req = tree.path("request");
        assertEquals(AdmissionHandler.WIRE.readTree(Json.JSON.writeValueAsBytes(old.path("spec"))), req.path("object").path("spec"));
        assertEquals("db", req.path("object").path("metadata").path("labels").path("team").asString());
        assertEquals("Running", req.path("oldObject").path("status").path("phase").asString());
        assertEquals("436568622965194754", req.path("oldObject").path("status").path("commitTs").asString());
        assertEquals(old.path("metadata").path("name"), req.path("oldObject").path("metadata").path("name"));
        assertEquals("alice", req.path("userInfo").path("username").asString());
        // Of the annotations only the break-glass one is kept (its absence here leaves an empty object).
        assertTrue(req.at("/object/metadata/annotations").size() == 0, req.at("/object/metadata/annotations").toString());
        for (String skipped : List.of("/object/metadata/managedFields", "/object/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration", "/object/status",
                "/oldObject/metadata/uid", "/oldObject/status/conditions", "/options", "/resource")) {
            assertTrue(req.at(skipped).isMissingNode(), skipped + " is skipped");
            assertFalse(AdmissionHandler.WIRE.readTree(review("UPDATE", withApiServerFields(old), withApiServerFields(old), false))
                    .path("request").at(skipped).isMissingNode(), skipped + " is in the request");
        }
    }

    @Test
    void badBodiesGetTheSame400AsFromTheFullReader() {
        String good = new String(review("CREATE", withApiServerFields(Fixtures.object("examples/seed/log/01-start.yaml")),
                null, false), StandardCharsets.UTF_8);
        List<String> bodies = List.of("", "   ", "null", "[]", "42", "\"review\"", "{", "{\"apiVersion\":", "not json",
                good.substring(0, good.length() / 2), good + " {}", good + " x", good.replace("\"request\":{", "\"request\":{\"x\":tru,"),
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":\"CREATE\"}",
                good.replace("\"object\":{", "\"object\":[1],\"o\":{"), good.replace("\"metadata\":{", "\"metadata\":\"m\",\"m\":{"),
                good.replace("\"spec\":{", "\"spec\":null,\"s\":{"), good.replace("\"uid\":\"", "\"uid\":7,\"u\":\""),
                good.replace("\"operation\":\"CREATE\"", "\"operation\":\"UPDATE\""),
                good.replace("\"kind\":\"AdmissionReview\"", "\"kind\":\"AdmissionReview\",\"kind\":\"Pod\""));
        AdmissionHandler handler = new AdmissionHandler(new Policy(), CLOCK);
        int bad = 0;
        for (String body : bodies) {
            bad += assertSameAsFromTheFullReader(handler, body, body) == 400 ? 1 : 0;
        }
        assertTrue(bad >= bodies.size() - 3, "most of these bodies are refused: " + bad);
    }

    @Test
    void deeplyNestedValuesGetTheSameOutcomeAsFromTheFullTree() {
        AdmissionHandler handler = new AdmissionHandler(new Policy(), CLOCK);
        for (int depth : new int[] {100, 480, 5_000}) {
            ObjectNode object = Fixtures.object("examples/seed/log/01-start.yaml");
            String nested = "[".repeat(depth) + "]".repeat(depth);
            String body = new String(review("CREATE", object, null, false), StandardCharsets.UTF_8)
                    .replace("\"spec\":{", "\"spec\":{\"deep\":" + nested + ",");
            assertSameAsFromTheFullReader(handler, body, "depth " + depth);
        }
    }

    /**
     * Asserts that the body gets the same status and answer as from the full reader (with the handler's 400 for a
     * body that is not JSON), and returns the status.
     */
    private static int assertSameAsFromTheFullReader(AdmissionHandler handler, String body, String what) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        AdmissionHandler.Outcome read = handler.handle(AdmissionHandler.Endpoint.VALIDATE, bytes, Lookups.unknown("test"));
        AdmissionHandler.Outcome expected;
        try {
            expected = handler.handle(AdmissionHandler.Endpoint.VALIDATE, AdmissionHandler.WIRE.readTree(bytes),
                    Lookups.unknown("test"));
        } catch (JacksonException e) {
            expected = new AdmissionHandler.Outcome(400, Json.JSON.createObjectNode()
                    .put("error", "request body is not JSON: " + Json.describe(e)), null, null);
        }
        assertEquals(expected.status(), read.status(), what);
        assertEquals(expected.body(), read.body(), what);
        return read.status();
    }

    /** The case's objects as an API server sends them: with managedFields, annotations, uid and status. */
    private static byte[] heavyReview(Case c, boolean dryRun) {
        JsonNode object = c.op() == Operation.DELETE ? null : withApiServerFields(c.newObject());
        JsonNode old = c.oldObject() == null ? null : withApiServerFields(c.oldObject());
        if (object != null && old != null && old.has("status")) {
            ((ObjectNode) object).set("status", old.get("status").deepCopy());
        }
        return review(c.op().name(), object, old, dryRun);
    }

    private static JsonNode withApiServerFields(JsonNode object) {
        ObjectNode o = (ObjectNode) object.deepCopy();
        ObjectNode metadata = o.get("metadata") instanceof ObjectNode m ? m : o.putObject("metadata");
        metadata.put("uid", "0b3b6d6e-1234-4d1c-9c55-7f0c1e1a0001").put("resourceVersion", "4242")
                .put("generation", 3).put("creationTimestamp", "2022-10-10T04:45:20Z");
        metadata.putObject("annotations").put("kubectl.kubernetes.io/last-applied-configuration",
                Json.JSON.writeValueAsString(object));
        metadata.putArray("managedFields").addObject().put("manager", "argocd-controller").put("operation", "Apply")
                .put("apiVersion", "br.pingcap.com/v1alpha1").put("fieldsType", "FieldsV1")
                .putObject("fieldsV1").putObject("f:spec").putObject("f:azblob").putObject("f:prefix");
        if (o.get("status") instanceof ObjectNode status) {
            status.put("backupPath", "azure://my-container/my-log-backup-folder/")
                    .putArray("conditions").addObject().put("type", "Running").put("status", "True");
        }
        return o;
    }

    private static byte[] review(String op, JsonNode object, JsonNode oldObject, boolean dryRun) {
        ObjectNode review = Json.JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode req = review.putObject("request").put("uid", "705ab4f5-6393-11e8-b7cc-42010a800002");
        req.putObject("kind").put("group", "br.pingcap.com").put("version", "v1alpha1").put("kind", "Backup");
        req.putObject("resource").put("group", "br.pingcap.com").put("version", "v1alpha1").put("resource", "backups");
        req.set("requestKind", req.get("kind").deepCopy());
        JsonNode subject = object != null ? object : oldObject;
        req.put("name", subject.path("metadata").path("name").asString(""))
                .put("namespace", subject.path("metadata").path("namespace").asString("default"))
                .put("operation", op);
        req.putObject("userInfo").put("username", "alice").putArray("groups").add("system:authenticated");
        if (object != null) {
            req.set("object", object);
        }
        if (oldObject != null) {
            req.set("oldObject", oldObject);
        }
        req.put("dryRun", dryRun);
        req.putObject("options").put("kind", op.equals("DELETE") ? "DeleteOptions" : op.equals("CREATE") ? "CreateOptions" : "UpdateOptions")
                .put("apiVersion", "meta.k8s.io/v1").put("fieldManager", "argocd-controller");
        return Json.JSON.writeValueAsBytes(review);
    }
}
