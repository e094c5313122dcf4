package io.brguard.webhook;

import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Operation;
import io.brguard.policy.Verdict;
import io.brguard.policy.Violation;
import io.brguard.policy.rollout.RolloutConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The background audit: every few minutes each cached Backup is judged again as it stands, by the rules whose
 * answer can change without an edit to the Backup (its Secret gone or short of keys, a second active log backup
 * on its cluster, an overlapping prefix) or that judge it whole (unknown fields, names too long for TiDB
 * Operator's Jobs). The findings are published as the gauge {@code brguard_backup_findings{namespace, rule, mode}},
 * a Warning Event on a Backup when a finding first appears, and a {@code PolicyReport} (wgpolicyk8s.io/v1alpha2,
 * which Kyverno's Policy Reporter reads) per namespace when that CRD is installed. Only the replica holding the
 * Lease {@code brguard-audit} runs it, and a cycle judges at most {@code maxBackups} Backups.
 */
public final class BackgroundAudit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundAudit.class);

    /** The rules that judge a Backup as it stands; the others judge a change (transitions, immutable fields). */
    static final Set<String> RULES = Set.of("secret.missing", "secret.keys", "secret.no-credentials",
            "cross.one-log-per-cluster", "cross.prefix-overlap", "field.name-too-long", "schema.invalid");
    static final ResourceDefinitionContext POLICY_REPORTS = new ResourceDefinitionContext.Builder()
            .withGroup("wgpolicyk8s.io").withVersion("v1alpha2").withKind("PolicyReport").withPlural("policyreports")
            .withNamespaced(true).build();
    /** Results one PolicyReport holds at most (an object must stay far under etcd's 1.5 MiB). */
    static final int MAX_RESULTS = 1_000;

    /** One finding on one Backup. */
    public record Finding(String namespace, String name, String rule, String mode, String message) {
        String key() {
            return namespace + "/" + name + " " + rule;
        }
    }

    private final KubernetesClient client;
    private final Supplier<List<ObjectNode>> backups;
    private final Lookups lookups;
    private final PolicySource policies;
    private final DenialEvents events;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<List<String>, AtomicInteger> gauges = new ConcurrentHashMap<>();
    private volatile Map<String, Finding> last = Map.of();
    private volatile boolean reports = true;
    private volatile boolean leading;
    private ScheduledExecutorService cycles;
    private CompletableFuture<?> election;

    public BackgroundAudit(KubernetesClient client, Supplier<List<ObjectNode>> backups, Lookups lookups, PolicySource policies,
                           DenialEvents events, MeterRegistry registry, Clock clock) {
        this.client = client;
        this.backups = backups;
        this.lookups = lookups;
        this.policies = policies;
        this.events = events;
        this.registry = registry;
        this.clock = clock;
    }

    /** Judges every Backup once (pure but for the lookups): the findings, by Backup and rule. */
    public List<Finding> judge() {
        return judge(backups.get());
    }

    private List<Finding> judge(List<ObjectNode> all) {
        PolicySource.Active active = policies.active();
        RolloutConfig config = active.config();
        List<Finding> out = new ArrayList<>();
        for (ObjectNode b : all) {
            JsonNode meta = b.path("metadata");
            String ns = meta.path("namespace").asString("");
            String name = meta.path("name").asString("");
            if (config.exemptNamespaces().contains(ns)) {
                continue;
            }
            Verdict v = active.policy().decide(Operation.CREATE, null, b, lookups);
            for (Violation x : v.violations()) {
                RolloutConfig.Mode mode = config.modeOf(x.ruleId());
                if (RULES.contains(x.ruleId()) && mode != RolloutConfig.Mode.OFF) {
                    out.add(new Finding(ns, name, x.ruleId(), mode.label(), x.message()));
                }
            }
        }
        return out;
    }

    /** One cycle: judge, then publish the gauge, Events for new findings and the PolicyReports. */
    public List<Finding> runOnce() {
        List<ObjectNode> all = backups.get(); // built once per cycle: judged, then counted per namespace
        List<Finding> findings = judge(all);
        Map<String, Finding> now = new LinkedHashMap<>();
        findings.forEach(f -> now.putIfAbsent(f.key(), f));
        Map<List<String>, Integer> counts = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        for (Finding f : now.values()) {
            counts.merge(List.of(f.namespace(), f.rule(), f.mode()), 1, Integer::sum);
        }
        gauges.forEach((k, g) -> g.set(counts.getOrDefault(k, 0)));
        counts.forEach((k, n) -> gauges.computeIfAbsent(k, key -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("brguard.backup.findings", value, AtomicInteger::get)
                    .description("findings of the background audit on the Backups as they stand")
                    .tags("namespace", key.get(0), "rule", key.get(1), "mode", key.get(2)).register(registry);
            return value;
        }).set(n));
        Map<String, Finding> before = last;
        if (events != null) {
            for (Finding f : now.values()) {
                if (!before.containsKey(f.key())) {
                    ObjectNode subject = Json.JSON.createObjectNode();
                    subject.putObject("metadata").put("namespace", f.namespace()).put("name", f.name());
                    events.event(subject, "PolicyViolation", "background audit (" + f.mode() + "): " + f.message());
                }
            }
        }
        last = now;
        if (reports) {
            publishReports(new ArrayList<>(now.values()), all);
        }
        return findings;
    }

    /** A PolicyReport named brguard in every namespace that holds Backups, replaced each cycle. */
    void publishReports(List<Finding> findings, List<ObjectNode> all) {
        Map<String, List<Finding>> byNamespace = new TreeMap<>();
        Map<String, Integer> backupsIn = new TreeMap<>();
        for (ObjectNode b : all) {
            String ns = b.path("metadata").path("namespace").asString("");
            byNamespace.computeIfAbsent(ns, k -> new ArrayList<>());
            backupsIn.merge(ns, 1, Integer::sum);
        }
        findings.forEach(f -> byNamespace.computeIfAbsent(f.namespace(), k -> new ArrayList<>()).add(f));
        long seconds = clock.instant().getEpochSecond();
        for (var e : byNamespace.entrySet()) {
            try {
                var reports = client.genericKubernetesResources(POLICY_REPORTS).inNamespace(e.getKey());
                GenericKubernetesResource report = report(e.getKey(), e.getValue(), backupsIn.getOrDefault(e.getKey(), 0), seconds);
                GenericKubernetesResource existing = reports.withName("brguard").get();
                if (existing == null) {
                    reports.resource(report).create();
                } else {
                    report.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                    reports.resource(report).update();
                }
            } catch (KubernetesClientException x) {
                if (x.getCode() == 404) {
                    reports = false;
                    LOG.info("no PolicyReport CRD (wgpolicyk8s.io/v1alpha2) in this cluster: the background audit publishes "
                            + "its findings as a metric and Events only");
                    return;
                }
                LOG.warn("could not write the PolicyReport in {}: {}", e.getKey(), x.getMessage());
            }
        }
    }

    /** The PolicyReport of one namespace (wgpolicyk8s.io/v1alpha2): fail for Enforce, warn for Warn. */
    static GenericKubernetesResource report(String namespace, List<Finding> findings, int backups, long seconds) {
        List<Map<String, Object>> results = new ArrayList<>();
        Set<String> failing = new java.util.HashSet<>();
        int fail = 0;
        int warn = 0;
        for (Finding f : findings) {
            failing.add(f.name());
            String result = "Enforce".equals(f.mode()) ? "fail" : "warn";
            if (result.equals("fail")) {
                fail++;
            } else {
                warn++;
            }
            if (results.size() < MAX_RESULTS) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("source", "brguard");
                r.put("policy", "brguard");
                r.put("rule", f.rule());
                r.put("result", result);
                r.put("scored", true);
                r.put("message", f.message());
                r.put("timestamp", Map.of("seconds", seconds, "nanos", 0));
                r.put("resources", List.of(Map.of("apiVersion", "br.pingcap.com/v1alpha1", "kind", "Backup",
                        "namespace", namespace, "name", f.name())));
                results.add(r);
            }
        }
        GenericKubernetesResource report = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("wgpolicyk8s.io/v1alpha2").withKind("PolicyReport")
                .withNewMetadata().withName("brguard").withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "brguard").endMetadata().build();
        report.setAdditionalProperty("summary", Map.of("pass", Math.max(0, backups - failing.size()), "fail", fail, "warn", warn,
                "error", 0, "skip", 0));
        report.setAdditionalProperty("results", results);
        return report;
    }

    /** Runs a cycle every {@code interval} while this replica holds the Lease {@code lease} in {@code namespace}. */
    public BackgroundAudit start(String namespace, String identity, Duration interval) {
        cycles = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "brguard-background-audit");
            t.setDaemon(true);
            return t;
        });
        cycles.scheduleWithFixedDelay(() -> {
            if (!leading) {
                return;
            }
            try {
                List<Finding> f = runOnce();
                LOG.info("background audit: {} findings", f.size());
            } catch (RuntimeException e) {
                LOG.warn("background audit cycle failed: {}", e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder().withName("brguard-audit")
                .withLock(new LeaseLock(namespace, "brguard-audit", identity))
                .withLeaseDuration(Duration.ofSeconds(15)).withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2)).withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> leading = true, () -> leading = false, leader -> { }))
                .build()).build().start();
        return this;
    }

    /** Whether this replica writes the audit's results now. */
    public boolean leading() {
        return leading;
    }

    @Override
    public void close() {
        if (election != null) {
            election.cancel(true);
        }
        if (cycles != null) {
            cycles.shutdownNow();
        }
    }
}
