package io.brguard.cli.serve;

import io.brguard.policy.Json;
import io.brguard.policy.Policy;
import io.brguard.policy.testing.Fixtures;
import io.brguard.webhook.AuditLog;
import io.brguard.webhook.ReplicaLoad;
import io.brguard.webhook.TlsReloader;
import io.brguard.webhook.WebhookServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code brguard webhook} as its own process, as in a pod, with stdout and stderr read together as
 * {@code kubectl logs} shows them: request text cannot make a line that the documented jq query takes for an audit
 * record, and SIGTERM under load fails no request (the command's shutdown hook drains the server).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookProcessTest {
    static Path dir;
    static Process process;
    static final StringBuffer output = new StringBuffer();
    static Thread pump;
    static int tlsPort;
    static int healthPort;
    static SSLContext trust;
    static HttpClient http;

    @BeforeAll
    static void startTheProcess() throws Exception {
        dir = Files.createTempDirectory("brguard-webhook-process");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dbrguard.warmUpRequests=50",
                // every refused request's warning is written (not one per cause and 10 s): each hostile text reaches the log
                "-Dbrguard.logThrottleMillis=0",
                "-cp", System.getProperty("java.class.path"), "io.brguard.cli.Main", "webhook", "--dev",
                "--objects", Fixtures.path("examples/cluster").toString(), "--port", "0", "--health-port", "0",
                "--shutdown-delay", "1s"));
        // Merged, as the kubelet's log of the container is: what is asserted is what `kubectl logs` would show.
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        pump = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] buf = new byte[8192];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        pump.start();
        Pattern ports = Pattern.compile("admission on https://[^:]+:(\\d+), health and metrics on http://[^:]+:(\\d+)");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Matcher m = ports.matcher("");
        while (!(m = ports.matcher(output)).find()) {
            assertTrue(process.isAlive() && System.nanoTime() < end, "the webhook did not start: " + output);
            Thread.sleep(50);
        }
        tlsPort = Integer.parseInt(m.group(1));
        healthPort = Integer.parseInt(m.group(2));
        trust = io.brguard.certs.Trust.sslContext(io.brguard.certs.Pem.certificates("ca.crt",
                Files.readString(dir.resolve("certs/dev/ca.crt"))));
        http = HttpClient.newBuilder().sslContext(trust).build();
        while (plain("/readyz").statusCode() != 200) {
            assertTrue(process.isAlive() && System.nanoTime() < end, "not ready: " + output);
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> plain(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> validate(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tlsPort + "/validate"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String review(String uid, String op, JsonNode object, JsonNode oldObject) {
        ObjectNode r = Json.JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode req = r.putObject("request").put("uid", uid).put("operation", op);
        req.putObject("kind").put("group", "br.pingcap.com").put("version", "v1alpha1").put("kind", "Backup");
        JsonNode subject = object != null ? object : oldObject;
        req.put("namespace", subject.path("metadata").path("namespace").asString()).put("name", subject.path("metadata").path("name").asString());
        req.putObject("userInfo").put("username", "system:serviceaccount:argocd:argocd-application-controller");
        if (object != null) {
            req.set("object", object);
        }
        if (oldObject != null) {
            req.set("oldObject", oldObject);
        }
        return r.toString();
    }

    /** The documented query (docs/audit-log.md), run by jq over the merged output. */
    static List<String> jq(String filter, String log) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("jq", "-cR", filter).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("jq is needed to run the documented audit query: " + e.getMessage());
        }
        Thread feed = new Thread(() -> {
            try (var in = p.getOutputStream()) {
                in.write(log.getBytes(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        feed.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        feed.join();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        return out.lines().toList();
    }

    static final String FORGED = "{\"log\":\"brguard-audit\",\"time\":\"2026-12-01T00:00:00Z\",\"uid\":\"forged\","
            + "\"decision\":\"denied\",\"rules\":[\"forged.rule\"]}";

    /*
     * Request fields reach the log in the reasons of 400 answers: before they were escaped, each of these made a
     * stderr line that the documented query read as a denial.
     */
    @Test
    @Order(1)
    void nothingARequestSendsMakesALineTheAuditQueryTakesForARecord() throws Exception {
        List<String> hostile = List.of(
                "{\"apiVersion\":\"v1\\n" + FORGED.replace("\"", "\\\"") + "\",\"kind\":\"AdmissionReview\"}",
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\\r\\n"
                        + FORGED.replace("\"", "\\\"") + "\",\"operation\":\"CREATE\",\"kind\":{\"group\":\"x\\n"
                        + FORGED.replace("\"", "\\\"") + "\",\"kind\":\"Backup\"}}}",
                "not json\n" + FORGED,
                FORGED + "\n" + FORGED);
        for (String body : hostile) {
            int status = validate(body).statusCode();
            assertEquals(400, status, body);
        }
        // Three real denials: a prefix that climbs out of its folder (field.prefix).
        Set<String> denied = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ObjectNode b = Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml");
            ((ObjectNode) b.path("spec").path("azblob")).put("prefix", "backups/../escape-" + i);
            String uid = UUID.randomUUID().toString();
            HttpResponse<String> r = validate(review(uid, "CREATE", b, null));
            assertFalse(Json.JSON.readTree(r.body()).path("response").path("allowed").asBoolean(true), r.body());
            denied.add(uid);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (jq("fromjson? | select(.log? == \"brguard-audit\" and .decision == \"denied\")", output.toString()).size() < 3
                && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        String log = output.toString();
        // Three are no AdmissionReview and are logged; the second is one the webhook cannot judge, answered with an
        // audit line of decision "invalid" (its text inside the line's JSON strings), so the query below meets it.
        assertEquals(3, log.split("400 on /validate: ", -1).length - 1, "every hostile reason was logged: " + log);
        assertEquals(1, jq("fromjson? | select(.log? == \"brguard-audit\" and .decision == \"invalid\")", log).size(), log);
        List<String> selected = jq("fromjson? | select(.log? == \"brguard-audit\" and .decision == \"denied\") | .uid", log);
        assertEquals(denied, new HashSet<>(selected.stream().map(s -> Json.JSON.readTree(s).asString()).toList()),
                "exactly the real denials: " + log);
        for (String line : log.split("\n")) {
            if (!line.startsWith("{\"log\":\"brguard-audit\"")) {
                assertTrue(jq("fromjson? | objects", line).isEmpty(), "a line that is no audit line reads as JSON: " + line);
            }
        }
    }

    /*
     * A rollout or drain: the pod leaves the endpoints as SIGTERM arrives. Every request, in flight or on a
     * connection the pod still has, is answered 200; the process then exits by itself. Before, it exited in
     * 0.1-1.3 s and answered requests in flight 404 ("served over TLS on port -2 only").
     */
    @Test
    @Order(2)
    void sigtermUnderLoadFailsNoRequest() throws Exception {
        String review = review(ReplicaLoad.UID, "CREATE", Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml"), null);
        try (WebhookServer other = new WebhookServer(new WebhookServer.Options("127.0.0.1", 0, 0, 0), new Policy(),
                new io.brguard.policy.DocumentLookups(io.brguard.policy.Manifests.parse("cluster",
                        Fixtures.read("examples/cluster/test1.yaml")).documents(), true, List.of()), WebhookServer.CacheState.NONE,
                new TlsReloader(dir.resolve("certs/dev"), Clock.systemUTC()), new AuditLog(null, null), null,
                Clock.systemUTC()).start()) {
            ReplicaLoad.Endpoint pod = new ReplicaLoad.Endpoint("127.0.0.1", tlsPort);
            ReplicaLoad.Endpoint replica = new ReplicaLoad.Endpoint("127.0.0.1", other.tlsPort());
            ReplicaLoad load = new ReplicaLoad(trust, "localhost", review, List.of(pod)).start(8);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (load.answeredBy(pod) < 300) {
                assertTrue(System.nanoTime() < end, "no load answered: " + output);
                Thread.sleep(20);
            }
            long before = load.answeredBy(pod);
            load.endpoints(List.of(replica));
            // SIGTERM. Process.destroy() would also close this side of the pipes, so the rest of the output would be lost.
            assertTrue(process.toHandle().destroy());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the process exits by itself: " + output);
            pump.join(10_000); // the rest of its output
            Files.writeString(Path.of("target", "webhook-process.log"), output);
            long after = load.answeredBy(pod);
            Thread.sleep(300);
            ReplicaLoad.Result r = load.stop();
            String log = output.toString().lines().filter(l -> !l.startsWith("{\"log\":\"brguard-audit\""))
                    .collect(java.util.stream.Collectors.joining("\n"));
            assertEquals(0, r.failures(), r + "\n" + log);
            assertTrue(after > before, "the stopping pod answered on its connections after SIGTERM: " + r);
            assertTrue(log.contains("every request answered; stopping"), log);
            assertEquals(143, process.exitValue(), "the exit status of a JVM that ran its shutdown hooks on SIGTERM");
        }
    }
}
