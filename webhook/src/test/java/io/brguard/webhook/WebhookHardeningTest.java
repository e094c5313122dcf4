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

    /** A started server, warming up. */
    static WebhookServer start(WebhookServer.Options options, AuditLog auditLog) throws IOException {
        Manifests.Parsed objects = Manifests.parse("cluster", Fixtures.read("examples/cluster/test1.yaml"));
        List<Backup> backups = new ArrayList<>();
        return new WebhookServer(options, new Policy(), new DocumentLookups(objects.documents(), true, backups),
                WebhookServer.CacheState.NONE, new TlsReloader(tlsDir, Clock.systemUTC()), auditLog, null,
                Clock.systemUTC()).start();
    }

    /** A started server, ready. */
    static WebhookServer server(WebhookServer.Options options, AuditLog auditLog) throws IOException {
        WebhookServer s = start(options, auditLog);
        // The warm-up's own connections are gone before a test counts connections or budget.
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!s.ready() && System.nanoTime() < end) {
            sleep(20);
        }
        return s;
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

    /*
     * Clients that keep connections alive and idle (one request, then nothing, as a pod can) must not hold the cap:
     * at the cap the longest idle of them is closed, and a new connection gets in. One idle for under a second is
     * left alone, so a connection the API server is about to reuse is not taken from it under ordinary load.
     */
    @Test
    void atTheCapTheLongestIdleKeptAliveConnectionMakesRoom() throws Exception {
        try (WebhookServer s = server(new WebhookServer.Options("127.0.0.1", 0, 0, 0, 8, WebhookServer.MAX_BODY_BYTES_IN_FLIGHT, 8),
                new AuditLog(new PrintStream(audit, true), null))) {
            List<SSLSocket> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // Each has had a request answered and is idle, as kept-alive connections are.
                SSLSocket socket = tls(s);
                socket.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertTrue(head(socket).startsWith("HTTP/1.1 "));
                held.add(socket);
            }
            assertEquals(200, healthz(s, Duration.ofSeconds(1)).statusCode(), "probes are unaffected");
            SSLSocket later = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return tls(s);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            later.getOutputStream().write(("GET /validate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(head(later).startsWith("HTTP/1.1 "), "a new connection is accepted and served at the cap");
            later.close();
            assertTrue(overloads(s, "connection_cap") >= 1, metrics(s));
            int closed = 0;
            for (SSLSocket socket : held) {
                socket.setSoTimeout(200);
                closed += closedByServer(socket) ? 1 : 0;
                socket.close();
            }
            assertTrue(closed >= 1 && closed < 8, "idle connections closed to make room: " + closed);
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

    /** A TLS connection that has sent a request head announcing {@code length} bytes and {@code sent} of them. */
    /** Waits until the server holds at least {@code bytes} of bodies (a fixed sleep raced the server under load). */
    static void awaitHeld(WebhookServer s, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (s.bodyBytesHeld() < bytes) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server holds " + s.bodyBytesHeld() + " bytes of bodies, not " + bytes);
            }
            Thread.sleep(5);
        }
    }

    static SSLSocket partialBody(WebhookServer s, int length, int sent) throws IOException {
        return partialBody(tls(s), length, sent);
    }

    /** The same on a connection opened (and its handshake done) beforehand. */
    static SSLSocket partialBody(SSLSocket socket, int length, int sent) throws IOException {
        byte[] head = ("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[sent];
        java.util.Arrays.fill(body, (byte) ' ');
        socket.getOutputStream().write(head);
        try {
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // refused at once, unread, and closed: what the client reads next says so (headOrClosed)
        }
        return socket;
    }

    /** The status line of the answer on a socket, or "closed" when the server closed it without one we could read. */
    static String statusOrClosed(Socket socket) {
        try {
            String h = head(socket);
            return h.isEmpty() ? "closed" : h.substring(0, Math.min(12, h.length()));
        } catch (IOException e) {
            return "closed";
        }
    }

    static String metrics(WebhookServer s) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.healthPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** brguard_admission_overload_total of one cause. */
    static double overloads(WebhookServer s, String cause) throws Exception {
        String prefix = "brguard_admission_overload_total{cause=\"" + cause + "\"} ";
        return metrics(s).lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(0);
    }

    /*
     * Bodies held at once are bounded: with a budget of 100 KB and two bodies of 40 KB declared and half sent, a
     * third of 30 KB is answered 503 with Retry-After; the held ones stall and are answered 408 a second after
     * their last byte, and the budget is free again. Without it, concurrent large bodies each take their size (and
     * a tree) of the 96 MiB heap.
     */
    @Test
    void answersBusyWhenTooManyBodyBytesAreHeldAndRecoversAfterwards() throws Exception {
        try (WebhookServer s = server(WebhookServer.MAX_CONNECTIONS, 100_000)) {
            // Every connection is open, its handshake done, before the bodies are held: they are held for about a
            // second (their deadline), and a handshake inside that second could outlast it on a busy machine.
            SSLSocket probe = tls(s);
            List<SSLSocket> sockets = List.of(tls(s), tls(s));
            List<SSLSocket> held = new ArrayList<>();
            for (SSLSocket socket : sockets) {
                held.add(partialBody(socket, 40_000, 20_000));
            }
            awaitHeld(s, 80_000); // both declared lengths taken from the budget
            String padded = "{\"pad\":\"" + "x".repeat(30_000) + "\"," + seedCreate().substring(1);
            byte[] body = padded.getBytes(StandardCharsets.UTF_8);
            probe.getOutputStream().write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            probe.getOutputStream().write(body);
            probe.getOutputStream().flush();
            String busy = head(probe);
            assertTrue(busy.startsWith("HTTP/1.1 503"), busy);
            assertTrue(busy.toLowerCase(java.util.Locale.ROOT).contains("retry-after: 1"), busy);
            probe.close();
            for (SSLSocket socket : held) {
                assertTrue(head(socket).startsWith("HTTP/1.1 408"));
                socket.close();
            }
            HttpResponse<String> after = validate(s, padded, Duration.ofSeconds(5));
            assertEquals(200, after.statusCode(), after.body());
            String m = metrics(s);
            assertTrue(m.contains("brguard_admission_overload_total{cause=\"body_budget\"} 1.0"), m);
            assertTrue(m.contains("brguard_admission_overload_total{cause=\"body_stalled\"} 2.0"), m);
        }
    }

    /*
     * Large bodies (over 256 KiB) may take only a third of the budget: with a budget of 1 MB, a large body held
     * takes the large share, a second large one is refused at once, and an ordinary review still goes through on
     * the reserve.
     */
    @Test
    void largeBodiesCannotTakeTheReserveOfOrdinaryReviews() throws Exception {
        try (WebhookServer s = server(WebhookServer.MAX_CONNECTIONS, 1_000_000)) {
            SSLSocket first = tls(s);
            SSLSocket secondConnection = tls(s); // its handshake before the first body is held (about a second)
            List<SSLSocket> held = new ArrayList<>();
            held.add(partialBody(first, 300_000, 1_000));
            awaitHeld(s, 300_000);
            SSLSocket second = partialBody(secondConnection, 300_000, 1_000);
            assertEquals("HTTP/1.1 503", statusOrClosed(second), "the large share is taken: refused without waiting for the body");
            second.close();
            HttpResponse<String> ordinary = validate(s, seedCreate(), Duration.ofSeconds(5));
            assertEquals(200, ordinary.statusCode(), ordinary.body());
            for (SSLSocket socket : held) {
                socket.close();
            }
        }
    }

    /*
     * The attack that turned 160 of 161 ordinary reviews away for 32 s: four clients each send a 3 MiB review
     * but its last byte, and wait. With the reserve and the stall deadline, every ordinary review is answered.
     */
    @Test
    void stalledBodiesOfTheLargestSizeDoNotTurnOrdinaryReviewsAway() throws Exception {
        try (WebhookServer s = server(WebhookServer.MAX_CONNECTIONS)) {
            // The handshakes first: the first body is cut off a second after its last byte, and the other three must
            // arrive within that second to meet the large share taken.
            List<SSLSocket> connections = List.of(tls(s), tls(s), tls(s), tls(s));
            List<SSLSocket> stalled = new ArrayList<>();
            for (SSLSocket socket : connections) {
                stalled.add(partialBody(socket, AdmissionHandler.MAX_BODY_BYTES, AdmissionHandler.MAX_BODY_BYTES - 1));
            }
            java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            for (int i = 0; i < 40; i++) {
                statuses.merge(validate(s, seedCreate(), Duration.ofSeconds(5)).statusCode(), 1, Integer::sum);
            }
            assertEquals(java.util.Map.of(200, 40), statuses);
            java.util.Map<String, Integer> theirs = new java.util.TreeMap<>();
            for (SSLSocket socket : stalled) {
                String status = statusOrClosed(socket);
                theirs.merge(status.equals("HTTP/1.1 503") ? "closed" : status, 1, Integer::sum);
                socket.close();
            }
            // One fits the large share and is cut off a second after its last byte; the other three were refused
            // at once, unread (503, or a reset when the client was still writing).
            assertEquals(java.util.Map.of("HTTP/1.1 408", 1, "closed", 3), theirs);
            String m = metrics(s);
            assertTrue(m.contains("brguard_admission_overload_total{cause=\"body_budget\"} 3.0"), m);
            assertTrue(m.contains("brguard_admission_overload_total{cause=\"body_stalled\"} 1.0"), m);
        }
    }

    /* A socket from another loopback address: another client, as far as the server can tell. */
    static SSLSocket tlsFrom(String localAddress, WebhookServer s) throws IOException {
        SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket();
        socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", s.tlsPort()), 5000);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /**
     * Whether the server closed the connection (end of stream or a reset) within the socket's read timeout; bytes
     * still unread (the rest of an earlier answer) are skipped.
     */
    static boolean closedByServer(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // the rest of an answer already sent
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false; // still open when the read timed out
        } catch (IOException e) {
            return true;
        }
    }

    /*
     * A header slowloris at the connection cap: every slot held by a connection that trickles its request head a
     * byte at a time, or that never sends anything. Jetty's idle timeout restarts at each byte, so they were never
     * closed and every new connection waited. Now, near the cap, the oldest of them make room, new clients get in,
     * and the rest are closed at their deadlines (3 s for a head, 10 s for a first request).
     */
    @Test
    void aHeaderSlowlorisAtTheConnectionCapDoesNotKeepNewClientsOut() throws Exception {
        int cap = 16;
        try (WebhookServer s = server(new WebhookServer.Options("127.0.0.1", 0, 0, 0, cap, WebhookServer.MAX_BODY_BYTES_IN_FLIGHT, cap),
                new AuditLog(new PrintStream(audit, true), null))) {
            List<Socket> slow = new ArrayList<>();
            for (int i = 0; i < cap / 2; i++) {
                SSLSocket t = tls(s);
                t.getOutputStream().write("POST /validate HTTP/1.1\r\nHost: local".getBytes(StandardCharsets.US_ASCII));
                t.getOutputStream().flush();
                slow.add(t);
                Socket silent = new Socket();
                silent.connect(new InetSocketAddress("127.0.0.1", s.tlsPort()), 5000);
                silent.setSoTimeout(10_000);
                slow.add(silent);
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = new Thread(() -> {
                while (!stop.get()) {
                    for (Socket socket : slow) {
                        try {
                            if (socket instanceof SSLSocket) {
                                socket.getOutputStream().write('h');
                                socket.getOutputStream().flush();
                            }
                        } catch (IOException e) {
                            // closed by the server
                        }
                    }
                    sleep(200);
                }
            });
            trickle.start();
            try {
                for (int i = 0; i < 5; i++) {
                    HttpClient fresh = HttpClient.newBuilder().sslContext(trust).build(); // a new connection each time
                    HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(URI.create("https://localhost:" + s.tlsPort()
                            + "/validate")).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(seedCreate())).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), r.body());
                }
            } finally {
                stop.set(true);
                trickle.join();
            }
            for (Socket socket : slow) {
                assertTrue(closedByServer(socket), "a slow or silent connection is closed");
                socket.close();
            }
            assertTrue(overloads(s, "connection_cap") > 0, metrics(s));
            assertTrue(overloads(s, "header_timeout") + overloads(s, "first_request_timeout") > 0, metrics(s));
        }
    }

    /* One client address holds at most its share of the connections; another client still gets in. */
    @Test
    void oneClientCannotHoldEveryConnection() throws Exception {
        try (WebhookServer s = server(new WebhookServer.Options("127.0.0.1", 0, 0, 0, 8, WebhookServer.MAX_BODY_BYTES_IN_FLIGHT, 3),
                new AuditLog(new PrintStream(audit, true), null))) {
            List<SSLSocket> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(tls(s));
            }
            double before = overloads(s, "client_connections"); // the warm-up's own connections were refused too
            Socket fourth = new Socket();
            fourth.connect(new InetSocketAddress("127.0.0.1", s.tlsPort()), 5000);
            fourth.setSoTimeout(10_000);
            assertTrue(closedByServer(fourth), "the client's fourth connection is closed at once");
            fourth.close();
            try (SSLSocket other = tlsFrom("127.0.0.2", s)) {
                other.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(head(other).startsWith("HTTP/1.1 200"), "another client is served");
            }
            assertEquals(before + 1, overloads(s, "client_connections"));
            for (SSLSocket socket : held) {
                socket.close();
            }
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
