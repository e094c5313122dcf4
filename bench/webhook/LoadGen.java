import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A small HTTPS load generator (JDK only) for bench/webhook.
 *   max  URL CA BODY SECONDS CONNECTIONS -> closed loop, one keep-alive connection per thread: throughput
 *   rate URL CA BODY SECONDS RPS         -> open loop at a fixed rate; latency counted from the scheduled send
 *                                           time (no coordinated omission): p50, p99, max
 *   batches URL CA BODY COUNT CONNECTIONS ROUNDS -> cold start: no warm-up, ROUNDS rounds of COUNT requests over
 *                                           CONNECTIONS connections made in the first round (the handshake counts
 *                                           in a connection's first request): one JSON line per round;
 *                                           -Dwarmclient=URL first warms this client against another server
 * max and rate run an unrecorded warm-up first (5 s, or -Dwarmup=SECONDS) and print one JSON line. Non-200 answers
 * count as errors.
 *
 * Each connection is a blocking TLS socket (hostname verified) speaking HTTP/1.1 by hand: the JDK HttpClient
 * used before spent about three times the server's CPU per request on the same two cores, which flattened the
 * difference between the servers being compared and added its own pauses to the percentiles.
 */
public class LoadGen {
    static final int WARM_UP = Integer.getInteger("warmup", 5);

    public static void main(String[] a) throws Exception {
        String mode = a[0];
        URI uri = URI.create(a[1]);
        SSLContext tls = trust(a[2]);
        byte[] body = Files.readAllBytes(Path.of(a[3]));
        int seconds = Integer.parseInt(a[4]);
        int n = Integer.parseInt(a[5]);
        byte[] request = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] whole = new byte[request.length + body.length];
        System.arraycopy(request, 0, whole, 0, request.length);
        System.arraycopy(body, 0, whole, request.length, body.length);
        Target target = new Target(tls, uri.getHost(), uri.getPort(), whole);
        if (mode.equals("batches")) {
            String warmClient = System.getProperty("warmclient");
            if (warmClient != null) {
                // The client's own TLS and HTTP code compiled first, against another server (the API server that
                // calls a webhook is a warm Go process): 4,000 requests on connections of 10 requests each.
                URI w = URI.create(warmClient);
                Target other = new Target(tls, w.getHost(), w.getPort(), whole);
                Connection[] warm = new Connection[8];
                for (int round = 0; round < 50; round++) {
                    for (int i = 0; i < warm.length; i++) {
                        if (warm[i] != null) {
                            warm[i].close();
                        }
                        warm[i] = new Connection(other);
                    }
                    counted(warm, 80);
                }
            }
            Connection[] lazy = new Connection[Integer.parseInt(a[5])];
            for (int i = 0; i < lazy.length; i++) {
                lazy[i] = new Connection(target); // connects on its first send
            }
            for (int round = 1; round <= Integer.parseInt(a[6]); round++) {
                long t0 = System.nanoTime();
                Result r = counted(lazy, seconds); // the COUNT argument, in the place of SECONDS
                System.out.printf("{\"mode\":\"batches\",\"round\":%d,\"connections\":%d,\"requests\":%d,\"errors\":%d,"
                        + "\"seconds\":%.2f,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f}%n", round, lazy.length,
                        r.count, r.errors, (System.nanoTime() - t0) / 1e9, r.pct(50), r.pct(99), r.pct(100));
            }
            System.exit(0);
        }
        // The connections outlive the warm-up: a TLS handshake inside the measured phase stalls a sender's
        // schedule for as long as it takes, which is not what the servers are compared on.
        Connection[] connections = new Connection[mode.equals("max") ? n : SENDERS];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new Connection(target);
        }
        if (mode.equals("max")) {
            closed(connections, WARM_UP);
            Result r = closed(connections, seconds);
            System.out.printf("{\"mode\":\"max\",\"connections\":%d,\"seconds\":%d,\"requests\":%d,\"errors\":%d,\"rps\":%.0f,"
                    + "\"p50_ms\":%.3f,\"p99_ms\":%.3f}%n", n, seconds, r.count, r.errors, r.count / (double) seconds,
                    r.pct(50), r.pct(99));
        } else {
            open(connections, WARM_UP, n);
            Result r = open(connections, seconds, n);
            System.out.printf("{\"mode\":\"rate\",\"target_rps\":%d,\"seconds\":%d,\"requests\":%d,\"errors\":%d,"
                    + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}%n", n, seconds, r.count, r.errors,
                    r.pct(50), r.pct(99), r.pct(100));
        }
        System.exit(0);
    }

    record Target(SSLContext tls, String host, int port, byte[] request) {
    }

    record Result(long count, long errors, long[] nanos) {
        double pct(double p) {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(nanos.length - 1, Math.ceil(p / 100.0 * nanos.length) - 1);
            return nanos[Math.max(0, i)] / 1e6;
        }
    }

    /** One keep-alive connection; reconnects after an error. */
    static final class Connection {
        private final Target target;
        private SSLSocket socket;
        private OutputStream out;
        private InputStream in;

        Connection(Target target) {
            this.target = target;
        }

        /** Sends the request and reads the whole answer; true for a 200. */
        boolean send() {
            try {
                if (socket == null) {
                    socket = (SSLSocket) target.tls.getSocketFactory().createSocket(target.host, target.port);
                    socket.setTcpNoDelay(true);
                    SSLParameters p = socket.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    p.setServerNames(List.of(new SNIHostName(target.host)));
                    socket.setSSLParameters(p);
                    out = socket.getOutputStream();
                    in = new BufferedInputStream(socket.getInputStream(), 16384);
                }
                out.write(target.request);
                out.flush();
                return readResponse(in) == 200;
            } catch (IOException e) {
                close();
                return false;
            }
        }

        void close() {
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

    /** Reads one HTTP/1.1 response (Content-Length or chunked) and returns its status code. */
    static int readResponse(InputStream in) throws IOException {
        String status = line(in);
        if (!status.startsWith("HTTP/1.1 ")) {
            throw new IOException("not an HTTP/1.1 answer: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(h.substring(colon + 1).trim());
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && h.toLowerCase().contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(line(in).trim(), 16); size > 0; size = Long.parseLong(line(in).trim(), 16)) {
                skip(in, size);
                line(in);
            }
            line(in);
        } else if (length > 0) {
            skip(in, length);
        }
        return code;
    }

    private static void skip(InputStream in, long n) throws IOException {
        in.skipNBytes(n); // throws EOFException if the connection closes early
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    static Result closed(Connection[] connections, int seconds) throws Exception {
        ConcurrentLinkedQueue<long[]> lat = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Thread[] ts = new Thread[connections.length];
        for (int t = 0; t < connections.length; t++) {
            Connection c = connections[t];
            ts[t] = new Thread(() -> {
                long[] mine = new long[1 << 20];
                int k = 0;
                while (System.nanoTime() < end) {
                    long s = System.nanoTime();
                    if (!c.send()) {
                        errors.incrementAndGet();
                    }
                    if (k < mine.length) {
                        mine[k++] = System.nanoTime() - s;
                    }
                }
                lat.add(java.util.Arrays.copyOf(mine, k));
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        return result(lat, errors);
    }

    /** Closed loop until {@code count} requests have been sent in all. */
    static Result counted(Connection[] connections, int count) throws Exception {
        ConcurrentLinkedQueue<long[]> lat = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong left = new AtomicLong(count);
        Thread[] ts = new Thread[connections.length];
        for (int t = 0; t < connections.length; t++) {
            Connection c = connections[t];
            ts[t] = new Thread(() -> {
                long[] mine = new long[count];
                int k = 0;
                while (left.getAndDecrement() > 0) {
                    long s = System.nanoTime();
                    if (!c.send()) {
                        errors.incrementAndGet();
                    }
                    mine[k++] = System.nanoTime() - s;
                }
                lat.add(java.util.Arrays.copyOf(mine, k));
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        return result(lat, errors);
    }

    /**
     * Open loop like wrk2: 8 sender threads, each with its own keep-alive connection and its own share of the
     * schedule. A request's latency counts from when it was due, so a stall shows up in the percentiles instead of
     * silently slowing the sender (no coordinated omission).
     */
    static final int SENDERS = 8;

    static Result open(Connection[] connections, int seconds, int rps) throws Exception {
        int senders = connections.length;
        ConcurrentLinkedQueue<long[]> lat = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        long period = 1_000_000_000L * senders / rps;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        int perSender = (int) ((long) seconds * rps / senders);
        Thread[] ts = new Thread[senders];
        for (int t = 0; t < senders; t++) {
            long offset = t * (period / senders);
            Connection c = connections[t];
            ts[t] = new Thread(() -> {
                long[] mine = new long[perSender];
                for (int i = 0; i < perSender; i++) {
                    long due = start + offset + i * period;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (!c.send()) {
                        errors.incrementAndGet();
                    }
                    mine[i] = System.nanoTime() - due;
                }
                lat.add(mine);
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        return result(lat, errors);
    }

    private static Result result(ConcurrentLinkedQueue<long[]> lat, AtomicLong errors) {
        long[] arr = lat.stream().flatMapToLong(java.util.Arrays::stream).sorted().toArray();
        return new Result(arr.length, errors.get(), arr);
    }

    static SSLContext trust(String caFile) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (var in = new FileInputStream(caFile)) {
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ts.setCertificateEntry("ca" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
