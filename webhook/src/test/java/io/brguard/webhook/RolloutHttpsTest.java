package io.brguard.webhook;

import io.brguard.certs.CertFiles;
import io.brguard.certs.CertPolicy;
import io.brguard.certs.CertState;
import io.brguard.certs.Rotation;
import io.brguard.certs.Rotator;
import io.brguard.policy.DocumentLookups;
import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rollout configuration over real HTTPS: Warn, an exempt namespace, break-glass from an allowed and a refused
 * user, and a reload that refuses a bad file and keeps the last good configuration.
 */
class RolloutHttpsTest {
    static Path policyFile;
    static PolicySource policies;
    static WebhookServer server;
    static HttpClient http;
    static ByteArrayOutputStream auditOut = new ByteArrayOutputStream();
    static AuditLog auditLog;

    static final String CONFIG = """
            apiVersion: brguard.io/v1alpha1
            kind: PolicyConfig
            enforcement:
              default: Enforce
              families: {transition: Warn}
            exemptions:
              namespaces: [sandbox]
            breakGlass:
              groups: [platform-admins]
            """;

    @BeforeAll
    static void start() throws Exception {
        Path tls = Files.createTempDirectory("brguard-rollout-tls");
        CertState certs = new Rotator(new CertFiles(tls), b -> { }, Rotation.Served::unknown, Clock.systemUTC(),
                CertPolicy.DEFAULT, Duration.ZERO).issue(List.of("localhost"), List.of("127.0.0.1"));
        policyFile = Files.createTempFile("brguard-policy", ".yaml");
        Files.writeString(policyFile, CONFIG);
        policies = PolicySource.file(policyFile);
        Manifests.Parsed objects = Manifests.parse("test1.yaml", Fixtures.read("examples/cluster/test1.yaml"));
        server = new WebhookServer(new WebhookServer.Options("127.0.0.1", 0, 0, 0), policies,
                new DocumentLookups(objects.documents(), true, List.of()), WebhookServer.CacheState.NONE,
                new TlsReloader(tls, Clock.systemUTC()), auditLog = new AuditLog(new PrintStream(auditOut, true), null), null,
                Clock.systemUTC()).start();
        http = HttpClient.newBuilder().sslContext(io.brguard.certs.Trust.sslContext(certs.bundle())).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        policies.close();
    }

    /** Two looks at the file: a new text is applied once a second look sees it unchanged (PolicySource). */
    static void settle() {
        policies.reload();
        policies.reload();
    }

    /** The seed's revert of a stopped log backup (transition.stopped-is-terminal), from a user in these groups. */
    static JsonNode decide(String namespace, String breakGlass, String user, String... groups) throws Exception {
        return decide(namespace, java.util.Map.of(), java.util.Map.of(), breakGlass, user, groups);
    }

    /** The same with labels on the old and the new object. */
    static JsonNode decide(String namespace, java.util.Map<String, String> oldLabels, java.util.Map<String, String> newLabels,
                           String breakGlass, String user, String... groups) throws Exception {
        ObjectNode old = Fixtures.object("examples/seed/log/04-stop.yaml");
        ((ObjectNode) old.path("metadata")).put("namespace", namespace);
        oldLabels.forEach((k, v) -> ((ObjectNode) old.path("metadata")).withObjectProperty("labels").put(k, v));
        old.putObject("status").put("phase", "Stopped").put("commitTs", "436568622965194754");
        ObjectNode now = Fixtures.object("examples/seed/log/03-resume.yaml");
        ((ObjectNode) now.path("metadata")).put("namespace", namespace);
        newLabels.forEach((k, v) -> ((ObjectNode) now.path("metadata")).withObjectProperty("labels").put(k, v));
        if (breakGlass != null) {
            ((ObjectNode) now.path("metadata")).putObject("annotations").put("brguard.io/break-glass", breakGlass);
        }
        ObjectNode r = Json.JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode req = r.putObject("request").put("uid", UUID.randomUUID().toString()).put("operation", "UPDATE");
        req.putObject("kind").put("group", "br.pingcap.com").put("version", "v1alpha1").put("kind", "Backup");
        req
                .put("namespace", namespace).put("name", now.path("metadata").path("name").asString());
        ObjectNode userInfo = req.putObject("userInfo").put("username", user);
        for (String g : groups) {
            userInfo.withArray("groups").add(g);
        }
        req.set("object", now);
        req.set("oldObject", old);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.tlsPort() + "/validate"))
                .POST(HttpRequest.BodyPublishers.ofString(r.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode resp = Json.JSON.readTree(answer.body()).path("response");
        String uid = req.path("uid").asString();
        auditLog.drain(10_000);
        JsonNode audit = auditOut.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(uid)).map(Json.JSON::readTree)
                .findFirst().orElseThrow();
        ((ObjectNode) resp).set("audit", audit);
        return resp;
    }

    @Test
    void warnModeAllowsWithTheFindingAsAWarningAndAWouldDeny() throws Exception {
        JsonNode r = decide("test1", null, "system:serviceaccount:argocd:argocd-application-controller");
        assertTrue(r.path("allowed").asBoolean(), r.toString());
        assertTrue(r.path("warnings").toString().contains("transition.stopped-is-terminal spec.logSubcommand: would deny"), r.toString());
        assertEquals("Warn", r.path("audit").path("rollout").path("mode").asString());
        assertTrue(r.path("audit").path("rollout").path("wouldDeny").get(0).asString().startsWith("transition.stopped-is-terminal"));
        assertEquals("Warn", r.path("auditAnnotations").path("mode").asString());
    }

    @Test
    void anExemptNamespaceIsAllowedAndAudited() throws Exception {
        JsonNode r = decide("sandbox", null, "bob");
        assertTrue(r.path("allowed").asBoolean());
        assertEquals("exempt", r.path("audit").path("rollout").path("mode").asString());
        assertEquals("namespace", r.path("audit").path("rollout").path("exempt").asString());
    }

    @Test
    void breakGlassFromAnAllowedGroupIsHonouredAndFromAnyoneElseIgnored() throws Exception {
        Files.writeString(policyFile, CONFIG.replace("families: {transition: Warn}", "families: {}"));
        settle();
        try {
            JsonNode refused = decide("test1", "INC-4711 restore", "mallory", "system:authenticated");
            assertFalse(refused.path("allowed").asBoolean(), refused.toString());
            assertTrue(refused.path("warnings").toString().contains("mallory may not break the glass"), refused.toString());
            JsonNode honoured = decide("test1", "INC-4711 restore", "carol", "platform-admins");
            assertTrue(honoured.path("allowed").asBoolean(), honoured.toString());
            assertEquals("break-glass", honoured.path("audit").path("rollout").path("mode").asString());
            assertEquals("INC-4711 restore", honoured.path("audit").path("rollout").path("breakGlass").asString());
            assertEquals("INC-4711 restore", honoured.path("auditAnnotations").path("break-glass").asString());
        } finally {
            Files.writeString(policyFile, CONFIG);
            settle();
        }
    }

    /*
     * A label exemption over HTTPS, as the API server sends the old object (its labels read from the review): on
     * UPDATE the old object must match the selector too, so the update that adds the label, or that changes a label
     * a NotIn selector reads, is judged like any other (Enforcement.decide).
     */
    @Test
    void aLabelExemptionOnUpdateNeedsTheOldObjectToMatchToo() throws Exception {
        java.util.Map<String, String> exempt = java.util.Map.of("brguard.io/exempt", "true");
        Files.writeString(policyFile, CONFIG.replace("families: {transition: Warn}", "families: {}")
                .replace("namespaces: [sandbox]", "namespaces: [sandbox]\n  selector: {matchLabels: {brguard.io/exempt: 'true'}}"));
        settle();
        try {
            JsonNode both = decide("test1", exempt, exempt, null, "bob");
            assertTrue(both.path("allowed").asBoolean(), both.toString());
            assertEquals("exempt", both.path("audit").path("rollout").path("mode").asString());
            assertEquals("selector", both.path("audit").path("rollout").path("exempt").asString());

            JsonNode added = decide("test1", java.util.Map.of(), exempt, null, "bob");
            assertFalse(added.path("allowed").asBoolean(), "the update that adds the label is judged: " + added);
            assertTrue(added.path("warnings").toString().contains("rollout.exempt-label"), added.toString());
            assertTrue(added.path("status").path("message").asString().startsWith("transition.stopped-is-terminal"), added.toString());
        } finally {
            Files.writeString(policyFile, CONFIG);
            settle();
        }
        Files.writeString(policyFile, CONFIG.replace("families: {transition: Warn}", "families: {}")
                .replace("namespaces: [sandbox]", "namespaces: [sandbox]\n  selector: {matchExpressions: [{key: tier, operator: NotIn, values: [prod]}]}"));
        settle();
        try {
            JsonNode moved = decide("test1", java.util.Map.of("tier", "prod"), java.util.Map.of("tier", "dev"), null, "bob");
            assertFalse(moved.path("allowed").asBoolean(), "leaving tier prod in the same update exempts nothing: " + moved);
            JsonNode stays = decide("test1", java.util.Map.of("tier", "dev"), java.util.Map.of("tier", "dev"), null, "bob");
            assertTrue(stays.path("allowed").asBoolean(), stays.toString());
        } finally {
            Files.writeString(policyFile, CONFIG);
            settle();
        }
    }

    @Test
    void aBadFileIsRefusedAndTheLastGoodOneStaysInForce() throws Exception {
        try {
            Files.writeString(policyFile, CONFIG.replace("default: Enforce", "default: Deny"));
            settle();
            assertTrue(policies.problem().contains("enforcement.default"), policies.problem());
            assertEquals("Warn", decide("test1", null, "bob").path("audit").path("rollout").path("mode").asString(),
                    "the last good configuration decides");
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.healthPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(ready.body().contains("policy configuration: keeping the last good one"), ready.body());
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.healthPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(metrics.body().contains("brguard_policy_config_valid 0.0"), "the metric says so");
        } finally {
            Files.writeString(policyFile, CONFIG);
            settle();
        }
        assertEquals(null, policies.problem());
    }
}
