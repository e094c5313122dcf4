import io.brguard.policy.BackupIndex;
import io.brguard.policy.Json;
import io.brguard.policy.Lookup;
import io.brguard.policy.Lookups;
import io.brguard.policy.Policy;
import io.brguard.policy.RestoreIndex;
import io.brguard.policy.SecretKeys;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.Restore;
import io.brguard.webhook.AdmissionHandler;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Set;

/**
 * The admission cost of a Restore as the Backup cache grows: the handler alone (review parsing, the policy with its
 * lookups, the response and the audit line; no HTTP, no TLS) deciding a PITR Restore CREATE, once in its window
 * (allowed) and once past it (denied with the window), against a Backup index of N Backups filled as the webhook's
 * cache fills it (BackupIndex.put of each Backup), N/100 Restores in the Restore index. Backups are shaped as
 * bench/apiserver/StandinApiServer.java makes them: every fourth a Running log backup, the rest Complete snapshots,
 * over 1,000 namespaces, each with its own cluster; plus the PITR sources of the cluster "prod".
 * Run from the repository root, after ./brguard --version has built the jar:
 *   java -XX:+UseSerialGC -Xmx512m -cp cli/target/brguard.jar bench/webhook/RestoreBench.java 100 10000 100000
 */
public class RestoreBench {
    static final long BASE = 436564131840000000L;       // 2022-10-10T00:00:00Z
    static final long HOUR = 3_600_000L << 18;

    public static void main(String[] a) throws Exception {
        int[] sizes = a.length == 0 ? new int[] {100, 10_000, 100_000} : Arrays.stream(a).mapToInt(Integer::parseInt).toArray();
        byte[] inside = review("2022-10-10T09:21:00Z");
        byte[] outside = review("2022-10-10T13:00:00Z");
        AdmissionHandler handler = new AdmissionHandler(new Policy(), Clock.systemUTC());
        System.out.printf("java %s, %d cores; per request: review parsed, decided, answered, audit line written%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        Lookups[] lookups = new Lookups[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            lookups[s] = lookups(sizes[s]);
            check(handler, inside, lookups[s], true);
            check(handler, outside, lookups[s], false);
        }
        // The JIT warms up on every size before anything is measured, and the sizes take turns in each round, so
        // neither the compiler's progress nor the machine's other work favours one size.
        for (int w = 0; w < 60_000; w++) {
            run(handler, (w & 1) == 0 ? inside : outside, lookups[w % sizes.length]);
        }
        int rounds = 7, per = 10_000;
        long[][][] t = new long[sizes.length][2][rounds * per];
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < sizes.length; s++) {
                for (int k = 0; k < 2; k++) {
                    byte[] body = k == 0 ? inside : outside;
                    for (int i = 0; i < per; i++) {
                        long start = System.nanoTime();
                        run(handler, body, lookups[s]);
                        t[s][k][r * per + i] = System.nanoTime() - start;
                    }
                }
            }
        }
        System.out.println("backups | allowed p50 / p99 / mean (us) | denied p50 / p99 / mean (us)");
        double[][] stats = new double[sizes.length][];
        for (int s = 0; s < sizes.length; s++) {
            double[] in = stats(t[s][0]);
            double[] out = stats(t[s][1]);
            stats[s] = new double[] {in[2], out[2], in[1], out[1]};
            System.out.printf("%7d | %6.1f / %6.1f / %6.1f | %6.1f / %6.1f / %6.1f%n", sizes[s], in[0], in[1], in[2], out[0], out[1], out[2]);
        }
        for (int s = 1; s < sizes.length; s++) {
            System.out.printf("%d vs %d Backups: mean allowed %.2fx, denied %.2fx; p99 allowed %.2fx, denied %.2fx%n",
                    sizes[s], sizes[0], stats[s][0] / stats[0][0], stats[s][1] / stats[0][1], stats[s][2] / stats[0][2],
                    stats[s][3] / stats[0][3]);
        }
    }

    /** p50, p99 and mean of per-request times, in microseconds. */
    static double[] stats(long[] t) {
        double mean = Arrays.stream(t).average().orElse(0) / 1e3;
        long[] sorted = t.clone();
        Arrays.sort(sorted);
        return new double[] {sorted[sorted.length / 2] / 1e3, sorted[(int) (sorted.length * 0.99)] / 1e3, mean};
    }

    static void run(AdmissionHandler h, byte[] body, Lookups l) {
        var o = h.handle(AdmissionHandler.Endpoint.VALIDATE, body, l);
        AdmissionHandler.bytes(o.body());
        Json.JSON.writeValueAsString(o.audit());
    }

    static void check(AdmissionHandler h, byte[] body, Lookups l, boolean allowed) {
        var o = h.handle(AdmissionHandler.Endpoint.VALIDATE, body, l);
        boolean a = o.body().path("response").path("allowed").asBoolean(false);
        if (o.status() != 200 || a != allowed) {
            throw new IllegalStateException("unexpected answer: " + o.body());
        }
    }

    static Lookups lookups(int n) {
        BackupIndex index = new BackupIndex();
        for (int i = 0; i < n; i++) {
            index.put(generated(i));
        }
        index.put(backup("team-0", "prod-log", "prod", "prod/log", true, "Running", BASE, BASE + 12 * HOUR));
        index.put(backup("team-0", "prod-full", "prod", "prod/full", false, "Complete", BASE + 6 * HOUR, -1));
        RestoreIndex restores = new RestoreIndex();
        for (int i = 0; i < n / 100; i++) {
            restores.put(Json.toRestore(Json.JSON.readTree(("{\"apiVersion\":\"br.pingcap.com/v1alpha1\",\"kind\":\"Restore\","
                    + "\"metadata\":{\"name\":\"r-" + i + "\",\"namespace\":\"team-" + (i % 1000) + "\"},\"spec\":{\"br\":"
                    + "{\"cluster\":\"restored-" + i + "\"}},\"status\":{\"phase\":\"Complete\"}}").getBytes(StandardCharsets.UTF_8))));
        }
        return new Lookups() {
            @Override
            public Lookup<SecretKeys> secret(String namespace, String name) {
                return Lookup.found(new SecretKeys(namespace, name, Set.of("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY")));
            }

            @Override
            public Lookup<BackupIndex> backups() {
                return Lookup.found(index);
            }

            @Override
            public Lookup<RestoreIndex> restores() {
                return Lookup.found(restores);
            }

            @Override
            public Lookup<Boolean> tidbCluster(String namespace, String name) {
                return Lookup.found(true);
            }
        };
    }

    static Backup generated(int i) {
        boolean log = i % 4 == 0;
        String ns = "team-" + (i % 1000);
        String name = (log ? "log-" : "full-") + i;
        return backup(ns, name, "tidb-" + i, ns + "/" + name, log, log ? "Running" : "Complete", BASE + i,
                log ? BASE + i + 6 * HOUR : -1);
    }

    static Backup backup(String ns, String name, String cluster, String prefix, boolean log, String phase, long commitTs,
                         long checkpoint) {
        String json = "{\"apiVersion\":\"br.pingcap.com/v1alpha1\",\"kind\":\"Backup\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"" + ns + "\"},\"spec\":{\"backupMode\":\"" + (log ? "log" : "snapshot") + "\",\"br\":{\"cluster\":\""
                + cluster + "\"},\"azblob\":{\"secretName\":\"azblob-secret\",\"container\":\"backups\",\"prefix\":\"" + prefix
                + "\"}},\"status\":{\"phase\":\"" + phase + "\",\"commitTs\":\"" + commitTs + "\""
                + (checkpoint > 0 ? ",\"logCheckpointTs\":\"" + checkpoint + "\"" : "") + "}}";
        return Json.toBackup(Json.JSON.readTree(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The v2 guide's PITR Restore of "prod" into "prod-restored", as the API server sends it for a CREATE. */
    static byte[] review(String restoredTs) {
        String restore = "{\"apiVersion\":\"br.pingcap.com/v1alpha1\",\"kind\":\"Restore\",\"metadata\":{\"name\":\"prod-restore\","
                + "\"namespace\":\"team-0\",\"uid\":\"6b1c2d3e-0000-4000-8000-000000000001\",\"creationTimestamp\":\"2026-12-05T10:00:00Z\","
                + "\"labels\":{\"app.kubernetes.io/instance\":\"restores\"}},\"spec\":{\"restoreMode\":\"pitr\",\"br\":{\"cluster\":"
                + "\"prod-restored\"},\"azblob\":{\"secretName\":\"azblob-secret\",\"container\":\"backups\",\"prefix\":\"prod/log\"},"
                + "\"pitrRestoredTs\":\"" + restoredTs + "\",\"pitrFullBackupStorageProvider\":{\"azblob\":{\"secretName\":"
                + "\"azblob-secret\",\"container\":\"backups\",\"prefix\":\"prod/full\"}},\"tolerateSingleTiKVOutage\":false,"
                + "\"backoffLimit\":0}}";
        String review = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":"
                + "\"705ab4f5-6393-11e8-b7cc-42010a800003\",\"kind\":{\"group\":\"br.pingcap.com\",\"version\":\"v1alpha1\","
                + "\"kind\":\"Restore\"},\"resource\":{\"group\":\"br.pingcap.com\",\"version\":\"v1alpha1\",\"resource\":"
                + "\"restores\"},\"name\":\"prod-restore\",\"namespace\":\"team-0\",\"operation\":\"CREATE\",\"userInfo\":"
                + "{\"username\":\"system:serviceaccount:argocd:argocd-application-controller\",\"groups\":"
                + "[\"system:serviceaccounts\",\"system:authenticated\"]},\"object\":" + restore + ",\"dryRun\":false}}";
        return review.getBytes(StandardCharsets.UTF_8);
    }
}
