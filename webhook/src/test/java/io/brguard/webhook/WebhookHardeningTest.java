package io.brguard.webhook;

import io.brguard.certs.CertFiles;
import io.brguard.certs.CertPolicy;
import io.brguard.certs.CertState;
import io.brguard.certs.Rotation;
import io.brguard.certs.Rotator;
import io.brguard.policy.DocumentLookups;
import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.Policy;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook against clients that misbehave: slow bodies, too many connections, broken framing. With
 * failurePolicy Fail, a webhook taken down by one client blocks every Backup write in the cluster.
 */
class WebhookHardeningTest {
    static Path tlsDir;
    static CertState certs;
    static SSLContext trust;
    static HttpClient http;
    static ByteArrayOutputStream audit = new ByteArrayOutputStream();
    /** The audit log of the last server made here: drained before its lines are read (they are written off the request). */
    static AuditLog auditLog;

    @BeforeAll
    static void certificates() throws Exception {
        tlsDir = Files.createTempDirectory("brguard-hardening-tls");
        certs = new Rotator(new CertFiles(tlsDir), b -> { }, Rotation.Served::unknown, Clock.systemUTC(),
                CertPolicy.DEFAULT, Duration.ZERO).issue(List.of("localhost"), List.of("127.0.0.1"));
        trust = WebhookServerTest.trusting(certs.bundle());
        http = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static WebhookServer server(int maxConnections) throws IOException {
        return server(maxConnections, WebhookServer.MAX_BODY_BYTES_IN_FLIGHT);
    }

    static WebhookServer server(int maxConnections, long maxBodyBytesInFlight) throws IOException {
        auditLog = new AuditLog(new PrintStream(audit, true), null);
        return server(new WebhookServer.Options("127.0.0.1", 0, 0, 0, maxConnections, maxBodyBytesInFlight), auditLog);
    }

    static WebhookServer server(WebhookServer.Options options, AuditLog auditLog) throws IOException {
        Manifests.Parsed objects = Manifests.parse("cluster", Fixtures.read("examples/cluster/test1.yaml"));
        List<Backup> backups = new ArrayList<>();
        return new WebhookServer(options, new Policy(), new DocumentLookups(objects.documents(), true, backups),
                WebhookServer.CacheState.NONE, new TlsReloader(tlsDir, Clock.systemUTC()), auditLog, null,
                Clock.systemUTC()).start();
    }

    static String seedCreate() {
        return WebhookServerTest.review("CREATE", Fixtures.object("examples/seed/log/01-start.yaml"), null, true);
    }

    /** The audit lines written so far, once every queued line is written. */
    static String auditLines() throws InterruptedException {
        auditLog.drain(10_000);
        return audit.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static HttpResponse<String> validate(WebhookServer s, String body, Duration timeout) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + s.tlsPort() + "/validate"))
                .timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> healthz(WebhookServer s, Duration timeout) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.healthPort() + "/healthz"))
                .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    static SSLSocket tls(WebhookServer s) throws IOException {
        SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", s.tlsPort()), 5000);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /** The status line and headers of the answer on a socket, read until the blank line. */
    static String head(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return sb.toString();
    }

    @Test
    void slowBodiesHoldConnectionsNotThreadsAndAreCutOffInTime() throws Exception {
        try (WebhookServer s = server(WebhookServer.MAX_CONNECTIONS)) {
            List<SSLSocket> slow = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                SSLSocket socket = tls(s);
                socket.getOutputStream().write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                        + "\r\nContent-Length: 4000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                slow.add(socket);
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = new Thread(() -> {
                while (!stop.get()) {
                    for (SSLSocket socket : slow) {
                        try {
                            socket.getOutputStream().write(' ');
                            socket.getOutputStream().flush();
                        } catch (IOException e) {
                            // answered and closed: nothing more to send
                        }
                    }
                    sleep(500);
                }
            });
            trickle.start();
            try {
                sleep(500); // every slow client has a request in progress
                long t0 = System.nanoTime();
                assertEquals(200, healthz(s, Duration.ofSeconds(1)).statusCode(), "the kubelet's probe, 1 s timeout");
                HttpResponse<String> r = validate(s, seedCreate(), Duration.ofSeconds(5));
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() < 5000, "within timeoutSeconds");
                for (SSLSocket socket : slow) {
                    String answer = head(socket);
                    assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
                    assertTrue(answer.toLowerCase().contains("connection: close"), answer);
                }
            } finally {
                stop.set(true);
                trickle.join();
                for (SSLSocket socket : slow) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void capsOpenConnectionsAndAcceptsAgainWhenOneCloses() throws Exception {
        try (WebhookServer s = server(8)) {
            List<SSLSocket> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                held.add(tls(s));
            }
            java.util.concurrent.CompletableFuture<SSLSocket> extra = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return tls(s);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            sleep(1000);
            assertFalse(extra.isDone(), "the ninth connection is not accepted while eight are open");
            assertEquals(200, healthz(s, Duration.ofSeconds(1)).statusCode(), "probes are unaffected");
            held.remove(0).close();
            SSLSocket later = extra.get(5, java.util.concurrent.TimeUnit.SECONDS);
            later.getOutputStream().write(("GET /validate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(head(later).startsWith("HTTP/1.1 "), "accepted once a connection closed");
            later.close();
            for (SSLSocket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void answersBrokenChunkedFramingWith400AndClosesTheConnection() throws Exception {
        try (WebhookServer s = server(WebhookServer.MAX_CONNECTIONS); SSLSocket socket = tls(s)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\nzz-not-a-size\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = head(socket);
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.toLowerCase().contains("connection: close"), answer);
        }
    }

    @Test
    void closesTheConnectionAfterRefusingAnOversizedBody() throws Exception {
        try (WebhookServer s = server(WebhookServer.MAX_CONNECTIONS); SSLSocket socket = tls(s)) {
            int size = AdmissionHandler.MAX_BODY_BYTES + 1024;
            OutputStream out = socket.getOutputStream();
            out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            for (int sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, size - sent));
            }
            out.flush();
            String answer = head(socket);
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.toLowerCase().contains("connection: close"), answer);
        }
    }

    /*
     * Bodies held at once are bounded: with a budget of 100 KB and three 30 KB bodies half sent, a fourth body of
     * 30 KB is answered 503 with Retry-After, and once the held ones are answered (408) the budget is free again.
     * Without it, concurrent large bodies each take their size (and a tree) of the 96 MiB heap.
     */
    @Test
    void answersBusyWhenTooManyBodyBytesAreHeldAndRecoversAfterwards() throws Exception {
        try (WebhookServer s = server(WebhookServer.MAX_CONNECTIONS, 100_000)) {
            List<SSLSocket> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                SSLSocket socket = tls(s);
                socket.getOutputStream().write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                        + "\r\nContent-Length: 60000\r\n\r\n{\"pad\":\"" + "x".repeat(30_000)).getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                held.add(socket);
            }
            sleep(300);
            String padded = "{\"pad\":\"" + "x".repeat(30_000) + "\"," + seedCreate().substring(1);
            HttpResponse<String> busy = validate(s, padded, Duration.ofSeconds(5));
            assertEquals(503, busy.statusCode(), busy.body());
            assertEquals("1", busy.headers().firstValue("retry-after").orElse(""), busy.headers().toString());
            assertTrue(busy.body().contains("retry"), busy.body());
            for (SSLSocket socket : held) {
                assertTrue(head(socket).startsWith("HTTP/1.1 408"));
                socket.close();
            }
            HttpResponse<String> after = validate(s, padded, Duration.ofSeconds(5));
            assertEquals(200, after.statusCode(), after.body());
        }
    }

    /*
     * --audit-when-behind: with "refuse" a decision whose line the audit log cannot take is answered 503 (the API
     * server then applies failurePolicy) and counted; with "answer" it is answered and the lost line counted. Either
     * way no request waits for the stalled sink.
     */
    @Test
    void theAuditSettingDecidesWhetherADecisionIsAnsweredWhileTheLogIsBehind() throws Exception {
        for (AuditLog.WhenBehind setting : AuditLog.WhenBehind.values()) {
            AuditLogTest.StalledStream stalled = new AuditLogTest.StalledStream();
            AuditLog log = new AuditLog(new AuditLog.StreamSink("stdout", stalled, 8 * 1024), null, setting);
            try (WebhookServer s = server(new WebhookServer.Options("127.0.0.1", 0, 0, 0), log)) {
                java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
                for (int i = 0; i < 40; i++) {
                    statuses.merge(validate(s, seedCreate(), Duration.ofSeconds(5)).statusCode(), 1, Integer::sum);
                }
                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + s.healthPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                if (setting == AuditLog.WhenBehind.REFUSE) {
                    assertTrue(statuses.getOrDefault(503, 0) > 0 && statuses.getOrDefault(200, 0) > 0, statuses.toString());
                    assertTrue(metrics.contains("brguard_admission_overload_total{cause=\"audit_behind\"}"), metrics);
                } else {
                    assertEquals(java.util.Map.of(200, 40), statuses);
                    assertTrue(log.lost().getOrDefault("stdout/queue_full", 0L) > 0, log.lost().toString());
                    assertTrue(metrics.contains("brguard_audit_lines_lost_total{cause=\"queue_full\",sink=\"stdout\"}"), metrics);
                }
                stalled.release.countDown();
                assertTrue(log.drain(10_000));
                assertEquals(200, validate(s, seedCreate(), Duration.ofSeconds(5)).statusCode(), "written out: answers again");
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
