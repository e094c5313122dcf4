package io.brguard.policy.vap;

import io.brguard.policy.SpecSize;
import io.brguard.policy.schedule.SchedulePolicy;
import io.brguard.policy.testing.AdmissionPolicyRun;
import io.brguard.policy.testing.KubernetesCel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kubernetes stops an expression at a cost of 1,000,000 and a policy's evaluation for one request at 10,000,000
 * (k8s.io/apiserver pkg/apis/cel/config.go); past either, the request is let through (failurePolicy Ignore). So the
 * policies must stay under both for the costliest objects they can be handed: a string of a whole request (3 MiB,
 * the API server's largest) in a field a check reads, and lists as long as brguard judges at all
 * ({@link SpecSize#MAX_ARRAY} entries) filling a whole request, unchanged by the update so that every check walks
 * every entry. Costs are counted as cel-go counts them ({@link KubernetesCel}).
 */
class AdmissionPolicyCostTest {
    private static final int REQUEST_BYTES = 3 * 1024 * 1024;

    private static Map<String, Object> backup(Map<String, Object> spec) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("apiVersion", "br.pingcap.com/v1alpha1");
        o.put("kind", "Backup");
        o.put("metadata", Map.of("name", "b", "namespace", "ns"));
        o.put("spec", spec);
        o.put("status", Map.of("phase", "Running", "commitTs", "436568622965194754"));
        return o;
    }

    private static Map<String, Object> spec(String mode) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("backupMode", mode);
        spec.put("br", new LinkedHashMap<>(Map.of("cluster", "c")));
        spec.put("azblob", new LinkedHashMap<>(Map.of("container", "bucket", "prefix", "p", "secretName", "s")));
        return spec;
    }

    private static Map<String, Object> request(String operation) {
        return Map.of("operation", operation, "namespace", "ns", "name", "b");
    }

    private static AdmissionPolicyRun.Outcome run(String resource, Object object, Object old) {
        AdmissionPolicies.Policy p = AdmissionPolicies.policies().stream().filter(x -> x.resource().equals(resource)).findFirst().orElseThrow();
        return new AdmissionPolicyRun(AdmissionPolicies.policyObject(p)).evaluate(object, old == null
                ? dev.cel.common.values.NullValue.NULL_VALUE : old, request(old == null ? "CREATE" : "UPDATE"));
    }

    private static long highestExpression;
    private static long highestRequest;

    @org.junit.jupiter.api.AfterAll
    static void report() {
        System.out.printf("vap cost: costliest expression %,d of %,d; costliest request %,d of %,d%n", highestExpression,
                KubernetesCel.PER_CALL_LIMIT, highestRequest, KubernetesCel.RUNTIME_COST_BUDGET);
    }

    private static void withinLimits(String what, AdmissionPolicyRun.Outcome o) {
        highestExpression = Math.max(highestExpression, o.maxCost());
        highestRequest = Math.max(highestRequest, o.totalCost());
        assertEquals(List.of(), o.errors(), what);
        assertTrue(o.maxCost() <= KubernetesCel.PER_CALL_LIMIT, what + ": an expression costs " + o.maxCost());
        assertTrue(o.totalCost() <= KubernetesCel.RUNTIME_COST_BUDGET, what + ": the policy costs " + o.totalCost());
    }

    /** Every string field a check reads, in turn, as long as a whole request. */
    @Test
    void aWholeRequestInOneStringStaysWithinTheLimits() {
        String huge = "a".repeat(REQUEST_BYTES - 1024) + "/../x";
        List<String[]> fields = List.of(new String[] {"azblob", "container"}, new String[] {"azblob", "prefix"},
                new String[] {"azblob", "accessTier"}, new String[] {"azblob", "secretName"}, new String[] {"br", "cluster"},
                new String[] {"br", "clusterNamespace"}, new String[] {"br", "timeAgo"}, new String[] {"br", "db"},
                new String[] {null, "logTruncateUntil"}, new String[] {null, "commitTs"}, new String[] {null, "logSubcommand"});
        for (String mode : List.of("log", "snapshot")) {
            for (String[] f : fields) {
                Map<String, Object> spec = spec(mode);
                @SuppressWarnings("unchecked")
                Map<String, Object> parent = f[0] == null ? spec : (Map<String, Object>) spec.get(f[0]);
                parent.put(f[1], huge);
                withinLimits(mode + " " + f[1] + " (create)", run("backups", backup(spec), null));
                withinLimits(mode + " " + f[1] + " (update)", run("backups", backup(spec), backup(spec(mode))));
                Map<String, Object> retry = spec(mode);
                retry.put("backoffRetryPolicy", Map.of("minRetryDuration", huge));
                withinLimits(mode + " minRetryDuration", run("backups", backup(retry), backup(retry)));
            }
        }
    }

    /** A whole request of one-character list entries: more than brguard judges, so only the cost bound matters. */
    @Test
    void aWholeRequestOfTinyListEntriesStaysWithinTheLimits() {
        int entries = REQUEST_BYTES / 8;
        for (String mode : List.of("log", "snapshot")) {
            Map<String, Object> spec = spec(mode);
            @SuppressWarnings("unchecked")
            Map<String, Object> br = (Map<String, Object>) spec.get("br");
            br.put("options", new ArrayList<>(Collections.nCopies(entries, "-")));
            withinLimits(mode + " options", run("backups", backup(spec), backup(spec)));
            Map<String, Object> filtered = spec(mode);
            filtered.put("tableFilter", new ArrayList<>(Collections.nCopies(entries, "a")));
            withinLimits(mode + " tableFilter", run("backups", backup(filtered), backup(filtered)));
            withinLimits(mode + " tableFilter (create)", run("backups", backup(filtered), null));
        }
    }

    /** br.options and tableFilter as long as brguard judges, filling a request, the same before and after. */
    @Test
    void theLongestListsBrguardJudgesStayWithinTheLimits() {
        int each = REQUEST_BYTES / SpecSize.MAX_ARRAY / 2 - 16;
        for (String filler : List.of("--timeago=", "--azblob.encryption-scope=", "--lastbackupts=x", "-")) {
            List<Object> options = new ArrayList<>(Collections.nCopies(SpecSize.MAX_ARRAY, filler + "9".repeat(each)));
            List<Object> filter = new ArrayList<>(Collections.nCopies(SpecSize.MAX_ARRAY, "db.t" + "x".repeat(each)));
            for (String mode : List.of("log", "snapshot")) {
                Map<String, Object> spec = spec(mode);
                @SuppressWarnings("unchecked")
                Map<String, Object> br = (Map<String, Object>) spec.get("br");
                br.put("options", options);
                spec.put("tableFilter", filter);
                withinLimits(mode + " " + filler + " (create)", run("backups", backup(spec), null));
                withinLimits(mode + " " + filler + " (update)", run("backups", backup(spec), backup(spec)));
                Map<String, Object> schedule = new LinkedHashMap<>();
                schedule.put("kind", "BackupSchedule");
                schedule.put("metadata", Map.of("name", "s", "namespace", "ns"));
                Map<String, Object> scheduleSpec = new LinkedHashMap<>(Map.of("schedule", "0 * * * *"));
                // A request holds one template of that size.
                scheduleSpec.put(mode.equals("log") ? SchedulePolicy.TEMPLATES.get(1) : SchedulePolicy.TEMPLATES.get(0), spec);
                schedule.put("spec", scheduleSpec);
                withinLimits(mode + " " + filler + " schedule", run("backupschedules", schedule, schedule));
            }
        }
    }
}
