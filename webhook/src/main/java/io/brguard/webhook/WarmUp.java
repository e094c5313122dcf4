package io.brguard.webhook;

import io.brguard.policy.DocumentLookups;
import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Manifests;
import io.brguard.policy.model.Backup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Sends the webhook's own port a few thousand admission requests before it reports ready, over TLS on loopback
 * like the API server's (handshakes included), so that the first real requests after a rollout meet compiled code.
 * Without it the first 10,000 decisions under 200 connections took seconds at the 99th percentile, beyond the
 * webhook configuration's timeoutSeconds (docs/benchmarks.md has the measurements behind {@link #DEFAULT_REQUESTS}).
 *
 * <p>A warm-up request carries a random token of this process in {@link #HEADER}; the server decides it against
 * built-in objects ({@link #lookups()}), never the cluster's, and writes no audit line, metric or Event for it. A
 * request with any other value of the header is an ordinary request. The client trusts exactly the certificate
 * the server serves, read from the server, so a rotation during the warm-up does not stop it.
 */
final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    static final String HEADER = "X-Brguard-Warm-Up";
    /** Requests sent by default; -Dbrguard.warmUpRequests overrides it (0: ready without warming). */
    static final int DEFAULT_REQUESTS = 2_000;
    /** Connections the warm-up uses at once, each reconnecting after {@link #PER_CONNECTION} requests. */
    static final int CONNECTIONS = 8;
    static final int PER_CONNECTION = 50;
    /** The warm-up ends after this long whatever it reached: readiness never waits on it for longer. */
    static final long MAX_MILLIS = 60_000;

    private record Sample(String path, byte[] body) {
    }

    private final int requests;
    private final byte[] token;
    private final List<Sample> samples;
    private final Lookups lookups;
    private final AtomicInteger sent = new AtomicInteger();
    private volatile boolean done;

    WarmUp(int requests) {
        this.requests = requests;
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        this.samples = samples();
        this.lookups = builtInLookups();
        this.done = requests <= 0;
    }

    static int configuredRequests() {
        return Integer.getInteger("brguard.warmUpRequests", DEFAULT_REQUESTS);
    }

    boolean done() {
        return done;
    }

    /** "warming up (1200 of 6000 requests)", for /readyz. */
    String progress() {
        return "warming up (" + Math.min(sent.get(), requests) + " of " + requests + " requests)";
    }

    /** Whether a request's header value is this process's token (compared in constant time). */
    boolean isWarmUp(String headerValue) {
        return headerValue != null && MessageDigest.isEqual(token, headerValue.getBytes(StandardCharsets.US_ASCII));
    }

    /** What warm-up requests are decided against: two Secrets and a running log backup, built in. */
    Lookups lookups() {
        return lookups;
    }

    /**
     * Starts the warm-up in the background against {@code host:port}; {@code served} gives the certificate the
     * server presents now.
     */
    void start(String host, int port, Supplier<X509Certificate> served) {
        if (done) {
            return;
        }
        Thread t = new Thread(() -> run(host, port, served), "brguard-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private void run(String host, int port, Supplier<X509Certificate> served) {
        long start = System.nanoTime();
        long deadline = start + MAX_MILLIS * 1_000_000;
        AtomicInteger failures = new AtomicInteger();
        try {
            while (served.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(100); // no certificate yet: nothing could connect
            }
            SSLContext tls = pinned(served);
            InetAddress address = host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")
                    ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                int first = c;
                Thread client = new Thread(() -> send(tls, new InetSocketAddress(address, port), first, deadline, failures),
                        "brguard-warm-up-" + c);
                client.setDaemon(true);
                client.start();
                clients.add(client);
            }
            for (Thread client : clients) {
                client.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.warn("warm-up stopped early: {}", e.toString());
        } finally {
            done = true;
            LOG.info("warmed up with {} requests in {} ms{}", Math.min(sent.get(), requests),
                    (System.nanoTime() - start) / 1_000_000,
                    failures.get() == 0 ? "" : " (" + failures.get() + " failed)");
        }
    }

    /** One client: keep-alive connections of PER_CONNECTION requests each, until the shared count is reached. */
    private void send(SSLContext tls, InetSocketAddress to, int offset, long deadline, AtomicInteger failures) {
        int i = offset;
        while (sent.get() < requests && System.nanoTime() < deadline && failures.get() < 100) {
            try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
                socket.connect(to, 2_000);
                socket.setSoTimeout(5_000);
                socket.setTcpNoDelay(true);
                OutputStream out = socket.getOutputStream();
                InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
                for (int k = 0; k < PER_CONNECTION && sent.getAndIncrement() < requests; k++) {
                    Sample s = samples.get(i++ % samples.size());
                    out.write(("POST " + s.path() + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + HEADER + ": " + new String(token, StandardCharsets.US_ASCII) + "\r\nContent-Length: "
                            + s.body().length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(s.body());
                    out.flush();
                    int status = answer(in);
                    if (status != 200) {
                        failures.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                failures.incrementAndGet();
            }
        }
    }

    /** Reads one answer (the server always sends a Content-Length) and returns its status. */
    private static int answer(InputStream in) throws IOException {
        String status = line(in);
        long length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(h.substring(colon + 1).trim());
            }
        }
        in.skipNBytes(length);
        return status.length() >= 12 ? Integer.parseInt(status.substring(9, 12)) : -1;
    }

    /** One line of an HTTP/1.1 head, without its CR LF (at most 8 KiB). */
    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
            if (sb.length() > 8192) {
                throw new IOException("header line too long");
            }
        }
        return sb.toString();
    }

    /** A TLS client that trusts exactly the certificate the server serves at the time of each handshake. */
    private static SSLContext pinned(Supplier<X509Certificate> served) throws GeneralSecurityException {
        X509TrustManager trust = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("client side only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                if (chain == null || chain.length == 0 || !chain[0].equals(served.get())) {
                    throw new CertificateException("not the certificate this process serves");
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {trust}, null);
        return ctx;
    }

    /** The reviews sent, from the jar: the usual pause and create, a denial, a snapshot, a delete, both endpoints. */
    private static List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        try (InputStream in = WarmUp.class.getResourceAsStream("warm-up.jsonl")) {
            if (in == null) {
                throw new IllegalStateException("warm-up.jsonl is missing from the jar");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    JsonNode n = Json.JSON.readTree(line);
                    out.add(new Sample(n.path("path").asString(), AdmissionHandler.bytes(n.path("review"))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(out);
    }

    private static Lookups builtInLookups() {
        String objects = """
                apiVersion: v1
                kind: Secret
                metadata: {name: azblob-secret, namespace: test1}
                stringData: {AZURE_STORAGE_ACCOUNT: warm-up, AZURE_STORAGE_KEY: warm-up}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: azblob-secret-1, namespace: team-1}
                stringData: {AZURE_STORAGE_ACCOUNT: warm-up, AZURE_STORAGE_KEY: warm-up}
                ---
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: demo1-log-backup-azblob, namespace: test1}
                spec:
                  backupMode: log
                  logSubcommand: log-start
                  br: {cluster: demo1}
                  azblob: {secretName: azblob-secret, container: my-container, prefix: my-log-backup-folder}
                status: {phase: Running, commitTs: "436568622965194754"}
                """;
        Manifests.Parsed parsed = Manifests.parse("warm-up", objects);
        List<Backup> backups = new ArrayList<>();
        for (Manifests.Document d : parsed.documents()) {
            if (d.isBackup()) {
                backups.add(Json.toBackup(d.tree()));
            }
        }
        return new DocumentLookups(parsed.documents(), true, backups);
    }
}
