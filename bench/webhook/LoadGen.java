import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTPS load generator (JDK only) for bench/webhook.
 *   max  URL CA BODY SECONDS THREADS  -> closed loop, THREADS keep-alive connections: throughput
 *   rate URL CA BODY SECONDS RPS      -> open loop at a fixed rate; latency counted from the scheduled send
 *                                        time (no coordinated omission): p50, p99, max
 * Each mode runs 5 s of unrecorded warm-up first. Prints one JSON line. Non-200 answers count as errors.
 */
public class LoadGen {
    public static void main(String[] a) throws Exception {
        String mode = a[0];
        URI uri = URI.create(a[1]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trust(a[2]))
                .executor(Executors.newFixedThreadPool(4)).build();
        byte[] body = Files.readAllBytes(Path.of(a[3]));
        int seconds = Integer.parseInt(a[4]);
        int n = Integer.parseInt(a[5]);
        HttpRequest req = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        if (mode.equals("max")) {
            closed(client, req, 5, n);
            Result r = closed(client, req, seconds, n);
            System.out.printf("{\"mode\":\"max\",\"threads\":%d,\"seconds\":%d,\"requests\":%d,\"errors\":%d,\"rps\":%.0f,"
                    + "\"p50_ms\":%.3f,\"p99_ms\":%.3f}%n", n, seconds, r.count, r.errors, r.count / (double) seconds,
                    r.pct(50), r.pct(99));
        } else {
            open(client, req, 5, n);
            Result r = open(client, req, seconds, n);
            System.out.printf("{\"mode\":\"rate\",\"target_rps\":%d,\"seconds\":%d,\"requests\":%d,\"errors\":%d,"
                    + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}%n", n, seconds, r.count, r.errors,
                    r.pct(50), r.pct(99), r.pct(100));
        }
        System.exit(0);
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

    static Result closed(HttpClient client, HttpRequest req, int seconds, int threads) throws Exception {
        ConcurrentLinkedQueue<Long> lat = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long s = System.nanoTime();
                    send(client, req, errors);
                    lat.add(System.nanoTime() - s);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        long[] arr = lat.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Result(arr.length, errors.get(), arr);
    }

    /**
     * Open loop like wrk2: 8 sender threads, each with its own keep-alive connection and its own share of the
     * schedule. A request's latency counts from when it was due, so a stall shows up in the percentiles instead of
     * silently slowing the sender (no coordinated omission).
     */
    static Result open(HttpClient client, HttpRequest req, int seconds, int rps) throws Exception {
        int senders = 8;
        ConcurrentLinkedQueue<Long> lat = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        long period = 1_000_000_000L * senders / rps;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long perSender = (long) seconds * rps / senders;
        Thread[] ts = new Thread[senders];
        for (int t = 0; t < senders; t++) {
            long offset = t * (period / senders);
            ts[t] = new Thread(() -> {
                for (long i = 0; i < perSender; i++) {
                    long due = start + offset + i * period;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    send(client, req, errors);
                    lat.add(System.nanoTime() - due);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        long[] arr = lat.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Result(arr.length, errors.get(), arr);
    }

    /** One request; a transport error or an answer other than 200 counts as an error. */
    static void send(HttpClient client, HttpRequest req, AtomicLong errors) {
        try {
            HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                errors.incrementAndGet();
            }
        } catch (Exception e) {
            errors.incrementAndGet();
        }
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
