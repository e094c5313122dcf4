package io.brguard.webhook;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission load on a set of replicas, sent the way the API server sends it: each thread keeps one connection
 * alive and sends review after review on it; when a replica closes the connection after an answer
 * ({@code Connection: close}) the thread opens a new one to a replica the Service lists now ({@link #endpoints}),
 * as kube-proxy would route it. It does not retry: any error, status other than 200 or answer for another uid is a
 * failure. Used by the shutdown tests here and in the cli module.
 */
public final class ReplicaLoad implements AutoCloseable {
    /** One replica's admission port. */
    public record Endpoint(String host, int port) {
    }

    /** What the load saw: answers by replica and status, and every failure (at most 50 described). */
    public record Result(long answered, Map<String, Long> byEndpointAndStatus, long failures, List<String> firstFailures) {
    }

    private final SSLContext tls;
    private final String serverName;
    private final String template;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile List<Endpoint> endpoints;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong answered = new AtomicLong();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();
    private final ConcurrentLinkedQueue<String> described = new ConcurrentLinkedQueue<>();

    /** The request uid of the review given, replaced by a fresh one in each request. */
    public static final String UID = "uid-of-the-review";

    /**
     * @param review an AdmissionReview whose request uid is {@link #UID}
     */
    public ReplicaLoad(SSLContext tls, String serverName, String review, List<Endpoint> endpoints) {
        this.tls = tls;
        this.serverName = serverName;
        this.template = review;
        this.endpoints = List.copyOf(endpoints);
    }

    /** The replicas a new connection may go to from now on (an EndpointSlice update). */
    public void endpoints(List<Endpoint> now) {
        endpoints = List.copyOf(now);
    }

    public ReplicaLoad start(int connections) {
        for (int i = 0; i < connections; i++) {
            Thread t = new Thread(this::run, "replica-load-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return this;
    }

    /** Answers so far from one replica (any status). */
    public long answeredBy(Endpoint e) {
        return counts.entrySet().stream().filter(x -> x.getKey().startsWith(e.port() + " ")).mapToLong(x -> x.getValue().get()).sum();
    }

    public Result stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
        Map<String, Long> by = new TreeMap<>();
        counts.forEach((k, v) -> by.put(k, v.get()));
        return new Result(answered.get(), by, failures.get(), List.copyOf(described));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /**
     * bench/webhook/sigterm.sh: {@code ReplicaLoad CA BODY SECONDS CONNECTIONS SWITCH-FILE BEFORE AFTER}, endpoints
     * as comma-separated host:port; the load moves from BEFORE to AFTER when SWITCH-FILE appears (the endpoints
     * update that comes with a pod's termination). Prints one JSON line; exits 1 on any failure.
     */
    public static void main(String[] a) throws Exception {
        SSLContext tls = io.brguard.certs.Trust.sslContext(io.brguard.certs.Pem.certificates(a[0],
                java.nio.file.Files.readString(java.nio.file.Path.of(a[0]))));
        tools.jackson.databind.node.ObjectNode review = (tools.jackson.databind.node.ObjectNode)
                io.brguard.policy.Json.JSON.readTree(java.nio.file.Files.readString(java.nio.file.Path.of(a[1])));
        ((tools.jackson.databind.node.ObjectNode) review.path("request")).put("uid", UID);
        java.util.function.Function<String, List<Endpoint>> parse = list -> java.util.Arrays.stream(list.split(","))
                .map(e -> new Endpoint(e.substring(0, e.lastIndexOf(':')), Integer.parseInt(e.substring(e.lastIndexOf(':') + 1))))
                .toList();
        List<Endpoint> after = parse.apply(a[6]);
        ReplicaLoad load = new ReplicaLoad(tls, "localhost", review.toString(), parse.apply(a[5])).start(Integer.parseInt(a[3]));
        java.nio.file.Path signal = java.nio.file.Path.of(a[4]);
        long end = System.nanoTime() + Long.parseLong(a[2]) * 1_000_000_000L;
        boolean moved = false;
        while (System.nanoTime() < end) {
            if (!moved && java.nio.file.Files.exists(signal)) {
                load.endpoints(after);
                moved = true;
            }
            Thread.sleep(5);
        }
        Result r = load.stop();
        tools.jackson.databind.node.ObjectNode out = io.brguard.policy.Json.JSON.createObjectNode()
                .put("answered", r.answered()).put("failures", r.failures()).put("byEndpointAndStatus", r.byEndpointAndStatus().toString());
        r.firstFailures().stream().limit(5).forEach(out.putArray("firstFailures")::add);
        System.out.println(out);
        System.exit(r.failures() == 0 ? 0 : 1);
    }

    private void fail(Endpoint e, String what) {
        failures.incrementAndGet();
        if (described.size() < 50) {
            described.add((e == null ? "" : e.port() + ": ") + what);
        }
    }

    private void run() {
        SSLSocket socket = null;
        Endpoint at = null;
        InputStream in = null;
        while (!stop.get()) {
            try {
                if (socket == null) {
                    List<Endpoint> now = endpoints;
                    at = now.get(Math.floorMod(next.getAndIncrement(), now.size()));
                    socket = (SSLSocket) tls.getSocketFactory().createSocket();
                    socket.connect(new InetSocketAddress(at.host(), at.port()), 5000);
                    socket.setSoTimeout(10_000);
                    SSLParameters p = socket.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    p.setServerNames(List.of(new SNIHostName(serverName)));
                    socket.setSSLParameters(p);
                    in = new BufferedInputStream(socket.getInputStream(), 16384);
                }
                String uid = UUID.randomUUID().toString();
                byte[] body = template.replace(UID, uid).getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /validate HTTP/1.1\r\nHost: " + serverName + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                String status = WarmUp.line(in);
                long length = -1;
                boolean close = false;
                for (String h = WarmUp.line(in); !h.isEmpty(); h = WarmUp.line(in)) {
                    int colon = h.indexOf(':');
                    String name = colon < 0 ? h : h.substring(0, colon).trim();
                    String value = colon < 0 ? "" : h.substring(colon + 1).trim();
                    if (name.equalsIgnoreCase("Content-Length")) {
                        length = Long.parseLong(value);
                    } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                        close = true;
                    }
                }
                String answer = new String(in.readNBytes((int) Math.max(0, length)), StandardCharsets.UTF_8);
                int code = Integer.parseInt(status.substring(9, 12));
                answered.incrementAndGet();
                counts.computeIfAbsent(at.port() + " " + code, k -> new AtomicLong()).incrementAndGet();
                if (code != 200 || !answer.contains("\"uid\":\"" + uid + "\"")) {
                    fail(at, "HTTP " + code + ": " + (answer.length() > 200 ? answer.substring(0, 200) : answer));
                }
                if (close || length < 0) {
                    socket.close();
                    socket = null;
                }
            } catch (IOException | RuntimeException e) {
                fail(at, e.toString());
                try {
                    if (socket != null) {
                        socket.close();
                    }
                } catch (IOException ignored) {
                    // already broken
                }
                socket = null;
            }
        }
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // stopping
        }
    }
}
