import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in Kubernetes API server for bench/ (JDK only, not for tests): it streams generated lists of Backups and
 * Secrets without holding them, so it can play a cluster with 10,000 Secrets of 50 KB and 100,000 Argo CD-managed
 * Backups that the fabric8 mock server cannot hold. It answers what brguard's webhook and controller ask:
 * <ul>
 *   <li>GET /apis/br.pingcap.com/v1alpha1/backups and /api/v1/secrets: lists, paged with limit and continue when
 *   asked (unpaged otherwise, as one response); /apis/br.pingcap.com/v1alpha1/restores: an empty list;</li>
 *   <li>the same with watch=true: a watch that stays open and sends nothing;</li>
 *   <li>GET /api/v1/namespaces/NS/secrets/NAME: one generated Secret; POST of Events: 201.</li>
 * </ul>
 * The Backups are BACKUPS generated ones and, after them, the two a PITR Restore of the bench reads.
 * Usage: java bench/apiserver/StandinApiServer.java PORT BACKUPS SECRETS SECRET_BYTES
 * Prints "listening on PORT" when ready; counts requests and bytes sent per path on stderr at exit.
 */
public class StandinApiServer {
    static int backups;
    static int secrets;
    static int secretBytes;
    static final boolean LOG = System.getenv("STANDIN_LOG") != null;
    static final Map<String, AtomicLong> SENT = new java.util.concurrent.ConcurrentHashMap<>();

    public static void main(String[] a) throws IOException {
        int port = Integer.parseInt(a[0]);
        backups = Integer.parseInt(a[1]);
        secrets = Integer.parseInt(a[2]);
        secretBytes = Integer.parseInt(a[3]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", StandinApiServer::handle);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("stand-in API server sent: " + SENT)));
        server.start();
        System.out.println("listening on " + port);
    }

    static void handle(HttpExchange ex) throws IOException {
        try {
            URI uri = ex.getRequestURI();
            String path = uri.getPath();
            if (LOG) {
                System.err.println(ex.getRequestMethod() + " " + uri + (ex.getRequestHeaders().containsKey("Upgrade") ? " (Upgrade: " + ex.getRequestHeaders().getFirst("Upgrade") + ")" : ""));
            }
            Map<String, String> q = query(uri.getRawQuery());
            if (ex.getRequestMethod().equals("POST")) {
                reply(ex, 201, "{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"e\",\"namespace\":\"x\"}}");
                return;
            }
            if ("true".equals(q.get("watch"))) {
                if ("websocket".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Upgrade"))) {
                    // No WebSocket here: a plain answer makes fabric8 fall back to an HTTP watch at once, as it does
                    // behind kubectl proxy.
                    reply(ex, 200, "{}");
                    return;
                }
                watch(ex);
                return;
            }
            if (path.equals("/apis/br.pingcap.com/v1alpha1/backups")) {
                list(ex, q, backups + PITR_SOURCES, "BackupList", "br.pingcap.com/v1alpha1",
                        (sb, i) -> { if (i < backups) backup(sb, i); else pitrSource(sb, i - backups); });
            } else if (path.equals("/apis/br.pingcap.com/v1alpha1/restores")) {
                list(ex, q, 0, "RestoreList", "br.pingcap.com/v1alpha1", (sb, i) -> { });
            } else if (path.equals("/api/v1/secrets")) {
                list(ex, q, secrets, "SecretList", "v1", StandinApiServer::secret);
            } else if (path.matches("/api/v1/namespaces/[^/]+/secrets/[^/]+")) {
                String[] p = path.split("/");
                int i = p[6].startsWith("azblob-secret-") ? Integer.parseInt(p[6].substring(14)) : -1;
                if (i < 0 || i >= secrets || !p[4].equals(namespaceOfSecret(i))) {
                    reply(ex, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}");
                } else {
                    StringBuilder sb = new StringBuilder();
                    secret(sb, i);
                    reply(ex, 200, sb.toString());
                }
            } else {
                reply(ex, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}");
            }
        } catch (IOException | RuntimeException e) {
            ex.close();
        }
    }

    interface Item {
        void write(StringBuilder sb, int i);
    }

    /** Streams items [start, start+limit) as one list response; the continue token is the next index. */
    static void list(HttpExchange ex, Map<String, String> q, int total, String kind, String apiVersion, Item item)
            throws IOException {
        int start = q.containsKey("continue") ? Integer.parseInt(q.get("continue")) : 0;
        int limit = q.containsKey("limit") ? Integer.parseInt(q.get("limit")) : total;
        int end = (int) Math.min((long) start + limit, total);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0);
        AtomicLong sent = SENT.computeIfAbsent(ex.getRequestURI().getPath(), k -> new AtomicLong());
        try (Writer w = new OutputStreamWriter(ex.getResponseBody(), StandardCharsets.UTF_8)) {
            String cont = end < total ? ",\"continue\":\"" + end + "\"" : "";
            w.write("{\"kind\":\"" + kind + "\",\"apiVersion\":\"" + apiVersion + "\",\"metadata\":{\"resourceVersion\":\"1000\""
                    + cont + "},\"items\":[");
            StringBuilder sb = new StringBuilder(64 * 1024);
            for (int i = start; i < end; i++) {
                sb.setLength(0);
                if (i > start) {
                    sb.append(',');
                }
                item.write(sb, i);
                w.write(sb.toString());
                sent.addAndGet(sb.length());
            }
            w.write("]}");
        }
    }

    static void watch(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            while (true) {
                Thread.sleep(30_000);
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ex.close();
        }
    }

    static String namespaceOfSecret(int i) {
        return "team-" + (i % 1000);
    }

    /** An Argo CD-managed log or snapshot Backup, with managedFields and the last-applied copy of itself. */
    static void backup(StringBuilder sb, int i) {
        String ns = "team-" + (i % 1000);
        boolean log = i % 4 == 0;
        String name = (log ? "log-" : "full-") + i;
        String spec = log
                ? "{\"backupMode\":\"log\",\"logSubcommand\":\"log-start\",\"cleanPolicy\":\"Retain\",\"br\":{\"cluster\":\"tidb-" + i
                + "\",\"sendCredToTikv\":true},\"azblob\":{\"secretName\":\"azblob-secret-" + (i % Math.max(1, secrets))
                + "\",\"container\":\"backups\",\"prefix\":\"" + ns + "/" + name + "\"}}"
                : "{\"backupMode\":\"snapshot\",\"backupType\":\"full\",\"cleanPolicy\":\"Retain\",\"br\":{\"cluster\":\"tidb-" + i
                + "\"},\"azblob\":{\"secretName\":\"azblob-secret-" + (i % Math.max(1, secrets))
                + "\",\"container\":\"backups\",\"prefix\":\"" + ns + "/" + name + "\",\"accessTier\":\"Cool\"}}";
        String lastApplied = "{\\\"apiVersion\\\":\\\"br.pingcap.com/v1alpha1\\\",\\\"kind\\\":\\\"Backup\\\",\\\"metadata\\\":{\\\"name\\\":\\\""
                + name + "\\\",\\\"namespace\\\":\\\"" + ns + "\\\"},\\\"spec\\\":" + spec.replace("\"", "\\\"") + "}";
        sb.append("{\"apiVersion\":\"br.pingcap.com/v1alpha1\",\"kind\":\"Backup\",\"metadata\":{\"name\":\"").append(name)
                .append("\",\"namespace\":\"").append(ns).append("\",\"uid\":\"00000000-0000-4000-8000-")
                .append(String.format("%012d", i)).append("\",\"resourceVersion\":\"").append(100 + i)
                .append("\",\"generation\":1,\"creationTimestamp\":\"2026-11-01T00:00:00Z\",\"labels\":{\"app.kubernetes.io/instance\":\"backups\",\"br.pingcap.com/cluster\":\"tidb-")
                .append(i).append("\"},\"annotations\":{\"argocd.argoproj.io/tracking-id\":\"backups:br.pingcap.com/Backup:")
                .append(ns).append('/').append(name).append("\",\"kubectl.kubernetes.io/last-applied-configuration\":\"")
                .append(lastApplied).append("\"},\"finalizers\":[\"pingcap.com/finalizer\"],\"managedFields\":[");
        for (String manager : new String[] {"argocd-controller", "tidb-operator", "kube-controller-manager"}) {
            sb.append("{\"manager\":\"").append(manager).append("\",\"operation\":\"Apply\",\"apiVersion\":\"br.pingcap.com/v1alpha1\",")
                    .append("\"time\":\"2026-11-01T00:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":")
                    .append("{\"f:app.kubernetes.io/instance\":{}}},\"f:spec\":{\"f:azblob\":{\"f:container\":{},\"f:prefix\":{},")
                    .append("\"f:secretName\":{}},\"f:br\":{\"f:cluster\":{},\"f:sendCredToTikv\":{}},\"f:backupMode\":{},")
                    .append("\"f:logSubcommand\":{}},\"f:status\":{\"f:phase\":{},\"f:conditions\":{},\"f:commitTs\":{}}}},");
        }
        sb.setLength(sb.length() - 1);
        sb.append("]},\"spec\":").append(spec).append(",\"status\":{\"phase\":\"").append(log ? "Running" : "Complete")
                .append("\",\"commitTs\":\"").append(436568622965194754L + i).append("\",\"backupPath\":\"azure://backups/")
                .append(ns).append('/').append(name).append("/\",\"conditions\":[");
        for (String type : new String[] {"Scheduled", "Prepare", "Running", log ? "Running" : "Complete"}) {
            sb.append("{\"type\":\"").append(type).append("\",\"status\":\"True\",\"reason\":\"").append(type)
                    .append("\",\"message\":\"\",\"lastTransitionTime\":\"2026-11-01T00:00:00Z\"},");
        }
        sb.setLength(sb.length() - 1);
        sb.append("]}}");
    }

    /** The Backups after the generated ones: what bench/webhook/request-scale-restore.json restores from. */
    static final int PITR_SOURCES = 2;

    /**
     * The log backup and the snapshot of the cluster "prod" in team-0 (prefixes prod/log and prod/full) that the
     * PITR Restore of request-scale-restore.json reads: the log from 2022-10-10T00:00Z to its checkpoint at 12:00Z,
     * the snapshot at 06:00Z.
     */
    static void pitrSource(StringBuilder sb, int k) {
        boolean log = k == 0;
        String name = log ? "prod-log" : "prod-full";
        sb.append("{\"apiVersion\":\"br.pingcap.com/v1alpha1\",\"kind\":\"Backup\",\"metadata\":{\"name\":\"").append(name)
                .append("\",\"namespace\":\"team-0\",\"resourceVersion\":\"").append(90 + k).append("\"},\"spec\":{\"backupMode\":\"")
                .append(log ? "log" : "snapshot").append("\",\"br\":{\"cluster\":\"prod\"},\"azblob\":{\"secretName\":")
                .append("\"azblob-secret-0\",\"container\":\"backups\",\"prefix\":\"prod/").append(log ? "log" : "full")
                .append("\"}},\"status\":{\"phase\":\"").append(log ? "Running" : "Complete").append("\",\"commitTs\":\"")
                .append(log ? "436564131840000000" : "436569794150400000").append('"')
                .append(log ? ",\"logCheckpointTs\":\"436575456460800000\"" : "").append("}}");
    }

    /** A Secret of about SECRET_BYTES: the account, a key, and a filler value such as a Helm release would hold. */
    static void secret(StringBuilder sb, int i) {
        sb.append("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":\"Opaque\",\"metadata\":{\"name\":\"azblob-secret-")
                .append(i).append("\",\"namespace\":\"").append(namespaceOfSecret(i)).append("\",\"resourceVersion\":\"")
                .append(50 + i).append("\",\"uid\":\"10000000-0000-4000-8000-").append(String.format("%012d", i))
                .append("\"},\"data\":{\"AZURE_STORAGE_ACCOUNT\":\"YWNjdA==\",\"AZURE_STORAGE_KEY\":\"a2V5\",\"release\":\"");
        int n = Math.max(0, secretBytes - 300);
        for (int k = 0; k < n; k++) {
            sb.append((char) ('A' + (k * 7 + i) % 26));
        }
        sb.append("\"}}");
    }

    static void reply(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
        SENT.computeIfAbsent(ex.getRequestURI().getPath().replaceAll("/secrets/.*", "/secrets/NAME"), k -> new AtomicLong())
                .addAndGet(b.length);
    }

    static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) {
            return q;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                q.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }
}
