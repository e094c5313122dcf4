import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Ordinary admission load while hostile clients attack the same port (bench/webhook/hostile.sh). JDK only; compiled
 * with LoadGen.java, whose HTTP reading it uses.
 *
 *   java Hostile HOST PORT CA BODY SECONDS RPS ATTACK N [FROM...]
 *
 * Ordinary load: after -Dwarmup seconds (10) of it unrecorded, RPS reviews a second (BODY), open loop, from 8 connections that each open a new connection every
 * 50 requests (the API server's pool renews its connections), latency counted from the scheduled send time,
 * handshake included. Reported: how many were answered 200 within 1 s, p50/p99/max, statuses.
 *
 * ATTACK, with N attackers spread over the local addresses FROM (default 127.0.0.2):
 *   none
 *   stall      each sends a request of 3 MiB minus one byte and waits for the answer, again and again
 *   slowloris  each holds a connection trickling a request head one byte a second, reopened a second after the
 *              server closes it (-Dreconnect=ms); half of them open TCP only and send nothing
 *   burst      each sends whole 3 MiB reviews (BODY padded), one after the other
 *   idle       each opens a connection, has one request answered and keeps it alive and idle, with a request
 *              every 20 s (under the server's 30 s idle timeout); reopened a second after the server closes it
 */
public class Hostile {
    static final int MAX = 3 * 1024 * 1024;

    public static void main(String[] a) throws Exception {
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        SSLContext tls = LoadGen.trust(a[2]);
        byte[] body = Files.readAllBytes(Path.of(a[3]));
        int seconds = Integer.parseInt(a[4]);
        int rps = Integer.parseInt(a[5]);
        String attack = a[6];
        int n = Integer.parseInt(a[7]);
        List<String> from = a.length > 8 ? Arrays.asList(a).subList(8, a.length) : List.of("127.0.0.2");
        // Unrecorded ordinary load first: C2 compiles for about a minute under load (docs/benchmarks.md), and the
        // first seconds after ready measure the JIT, not the attack.
        ordinary(tls, host, port, body, Integer.getInteger("warmup", 10), rps);
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, AtomicLong> attackerSaw = new ConcurrentHashMap<>();
        List<Thread> attackers = new ArrayList<>();
        for (int i = 0; i < n && !attack.equals("none"); i++) {
            String local = from.get(i % from.size());
            Runnable r = switch (attack) {
                case "stall" -> () -> stall(tls, host, port, local, stop, attackerSaw);
                case "slowloris" -> (i % 2 == 0) ? () -> slowHead(tls, host, port, local, stop, attackerSaw)
                        : () -> silent(host, port, local, stop, attackerSaw);
                case "burst" -> () -> burst(tls, host, port, local, body, stop, attackerSaw);
                case "idle" -> () -> idle(tls, host, port, local, stop, attackerSaw);
                default -> throw new IllegalArgumentException("attack: none, stall, slowloris, burst or idle, not " + attack);
            };
            Thread t = new Thread(r, "attacker-" + i);
            t.setDaemon(true);
            t.start();
            attackers.add(t);
        }
        Thread.sleep(attack.equals("none") ? 0 : 3000); // the attack is in place before the ordinary load starts
        Ordinary o = ordinary(tls, host, port, body, seconds, rps);
        stop.set(true);
        Map<String, Long> saw = new TreeMap<>();
        attackerSaw.forEach((k, v) -> saw.put(k, v.get()));
        System.out.printf("{\"attack\":\"%s\",\"attackers\":%d,\"ordinary\":%d,\"within_1s\":%d,\"share_within_1s\":%.4f,"
                        + "\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,\"ordinary_statuses\":\"%s\",\"attackers_saw\":\"%s\"}%n",
                attack, n, o.count, o.within, o.count == 0 ? 0 : o.within / (double) o.count, o.pct(50), o.pct(99),
                o.pct(100), o.statuses, saw);
        System.exit(0);
    }

    record Ordinary(long count, long within, long[] nanos, Map<Integer, Long> statuses) {
        double pct(double p) {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(nanos.length - 1, Math.ceil(p / 100.0 * nanos.length) - 1);
            return nanos[Math.max(0, i)] / 1e6;
        }
    }

    static SSLSocket connect(SSLContext tls, String host, int port, String local) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
        if (local != null) {
            s.bind(new InetSocketAddress(local, 0));
        }
        s.connect(new InetSocketAddress(host, port), 10_000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        if (!Character.isDigit(host.charAt(0))) {
            p.setServerNames(List.of(new SNIHostName(host))); // no SNI for an address: the certificate names 127.0.0.1
        }
        s.setSSLParameters(p);
        return s;
    }

    static byte[] request(String host, byte[] body, int declared) {
        byte[] head = ("POST /validate HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
                + declared + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** Open loop from 8 senders; each sender's connection is renewed every 50 requests. */
    static Ordinary ordinary(SSLContext tls, String host, int port, byte[] body, int seconds, int rps) throws Exception {
        byte[] request = request(host, body, body.length);
        int senders = 8;
        long interval = 1_000_000_000L * senders / rps;
        long start = System.nanoTime() + 100_000_000L;
        long end = start + seconds * 1_000_000_000L;
        ConcurrentLinkedQueue<long[]> lat = new ConcurrentLinkedQueue<>();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < senders; t++) {
            long first = start + interval * t / senders;
            Thread th = new Thread(() -> {
                List<Long> mine = new ArrayList<>();
                SSLSocket s = null;
                InputStream in = null;
                int used = 0;
                for (long due = first; due < end; due += interval) {
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int code;
                    try {
                        if (s == null || used >= 50) {
                            if (s != null) {
                                s.close();
                            }
                            s = connect(tls, host, port, null);
                            in = new BufferedInputStream(s.getInputStream(), 16384);
                            used = 0;
                        }
                        OutputStream out = s.getOutputStream();
                        out.write(request);
                        out.flush();
                        code = LoadGen.readResponse(in);
                        used++;
                    } catch (IOException e) {
                        code = -1;
                        try {
                            if (s != null) {
                                s.close();
                            }
                        } catch (IOException ignored) {
                            // broken already
                        }
                        s = null;
                    }
                    statuses.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
                    long took = System.nanoTime() - due;
                    mine.add(code == 200 ? took : Long.MAX_VALUE);
                }
                long[] arr = mine.stream().mapToLong(Long::longValue).toArray();
                lat.add(arr);
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long within = Arrays.stream(all).filter(x -> x <= 1_000_000_000L).count();
        Map<Integer, Long> st = new TreeMap<>();
        statuses.forEach((k, v) -> st.put(k, v.get()));
        return new Ordinary(all.length, within, all, st);
    }

    static void saw(Map<String, AtomicLong> saw, String what) {
        saw.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    /** 3 MiB minus one byte, then wait for the answer; again. */
    static void stall(SSLContext tls, String host, int port, String local, AtomicBoolean stop, Map<String, AtomicLong> saw) {
        byte[] head = ("POST /validate HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
                + MAX + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] almost = new byte[MAX - 1];
        Arrays.fill(almost, (byte) ' ');
        while (!stop.get()) {
            try (SSLSocket s = connect(tls, host, port, local)) {
                OutputStream out = s.getOutputStream();
                out.write(head);
                out.write(almost);
                out.flush();
                saw(saw, "stall " + LoadGen.readResponse(new BufferedInputStream(s.getInputStream())));
            } catch (IOException e) {
                saw(saw, "stall closed");
            }
        }
    }

    /**
     * How long a slowloris attacker waits before it opens a connection again after the server closed one
     * (-Dreconnect, ms). The attackers share this machine's two cores with the webhook and the ordinary load: in a
     * tight loop, the ones the per-client cap turns away spend those cores on their own TLS client handshakes, and
     * that is what the ordinary load would measure. Slowloris tools open connections at a set rate; so do these.
     */
    static final long RECONNECT_MILLIS = Long.getLong("reconnect", 1000);

    static void pause() {
        try {
            Thread.sleep(RECONNECT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request head one byte a second; reopened when the server closes it. */
    static void slowHead(SSLContext tls, String host, int port, String local, AtomicBoolean stop, Map<String, AtomicLong> saw) {
        byte[] head = ("POST /validate HTTP/1.1\r\nHost: " + host + "\r\nX-Slow: " + "x".repeat(4000) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        while (!stop.get()) {
            try (SSLSocket s = connect(tls, host, port, local)) {
                s.startHandshake();
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < head.length && !stop.get(); i++) {
                    out.write(head[i]);
                    out.flush();
                    Thread.sleep(1000);
                }
            } catch (IOException e) {
                saw(saw, "slow head closed");
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** TCP only, nothing sent; reopened when the server closes it. */
    static void silent(String host, int port, String local, AtomicBoolean stop, Map<String, AtomicLong> saw) {
        while (!stop.get()) {
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(local, 0));
                s.connect(new InetSocketAddress(host, port), 10_000);
                s.setSoTimeout(1000);
                while (!stop.get()) {
                    try {
                        if (s.getInputStream().read() < 0) {
                            break;
                        }
                    } catch (java.net.SocketTimeoutException e) {
                        // still open
                    }
                }
                saw(saw, "silent closed");
            } catch (IOException e) {
                saw(saw, "silent closed");
            }
            pause();
        }
    }

    /** Whole reviews padded to just under 3 MiB, one after the other. */
    static void burst(SSLContext tls, String host, int port, String local, byte[] body, AtomicBoolean stop,
                      Map<String, AtomicLong> saw) {
        String json = new String(body, StandardCharsets.UTF_8);
        String padded = "{\"pad\":\"" + "p".repeat(MAX - json.length() - 64) + "\"," + json.substring(json.indexOf('{') + 1);
        byte[] request = request(host, padded.getBytes(StandardCharsets.UTF_8), padded.getBytes(StandardCharsets.UTF_8).length);
        while (!stop.get()) {
            try (SSLSocket s = connect(tls, host, port, local)) {
                InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < 10 && !stop.get(); i++) {
                    out.write(request);
                    out.flush();
                    saw(saw, "burst " + LoadGen.readResponse(in));
                }
            } catch (IOException e) {
                saw(saw, "burst closed");
            }
        }
    }

    /** One request answered, then the connection kept alive and idle (a request every 20 s); reopened when closed. */
    static void idle(SSLContext tls, String host, int port, String local, AtomicBoolean stop, Map<String, AtomicLong> saw) {
        byte[] ping = ("GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        while (!stop.get()) {
            try (SSLSocket s = connect(tls, host, port, local)) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (!stop.get()) {
                    out.write(ping);
                    out.flush();
                    LoadGen.readResponse(in);
                    for (int i = 0; i < 200 && !stop.get(); i++) {
                        Thread.sleep(100);
                    }
                }
            } catch (IOException e) {
                saw(saw, "idle closed");
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
