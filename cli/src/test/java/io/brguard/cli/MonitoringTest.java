package io.brguard.cli;

import io.brguard.policy.Json;
import io.brguard.policy.Policy;
import io.brguard.policy.testing.FixtureLookups;
import io.brguard.policy.testing.Fixtures;
import io.brguard.webhook.AuditLog;
import io.brguard.webhook.BackgroundAudit;
import io.brguard.webhook.CaBundleWatch;
import io.brguard.webhook.ClusterLookups;
import io.brguard.webhook.PolicySource;
import io.brguard.webhook.WebhookMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * brguard's monitoring as code (manifests/components/monitoring and grafana-dashboard, and the chart's copies):
 * the alerts run over recorded samples and fire, or stay quiet, as their unit tests say; the PrometheusRule and
 * PodMonitors are bound to the Prometheus Operator's CRDs; the PodMonitors scrape the pods and port that serve
 * /metrics; every series an alert or a dashboard panel reads is one brguard exports (scraped here from the real
 * registries), one of the controller's published metrics, or one of kube-state-metrics' and the API server's; and
 * every alert links a runbook section of its own in docs/runbooks.md.
 */
@EnableKubernetesMockClient(crud = true)
class MonitoringTest {
    static KubernetesClient client;

    private static final String RULE_FILE = "manifests/components/monitoring/prometheusrule.yaml";
    private static final String DASHBOARD_FILE = "manifests/components/grafana-dashboard/dashboard.json";

    /**
     * The controller's series (brguard controller --health-port, /metrics), scraped from its real registry after a
     * schedule has been seen, has made and deleted Backups, and a reconcile has failed.
     */
    static Set<String> controllerMetrics() {
        io.brguard.controller.ControllerMetrics metrics = new io.brguard.controller.ControllerMetrics();
        metrics.leader(true);
        metrics.stoodDown("Backup", 0);
        metrics.reconcileError("BackupSchedule");
        metrics.schedule("test1", "daily", java.time.Instant.EPOCH, java.time.Instant.EPOCH, false);
        metrics.created("test1", "daily", 1);
        metrics.deleted("test1", "daily", 1);
        return seriesNames(metrics.scrape());
    }

    private static Set<String> seriesNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    /**
     * Series from elsewhere: Prometheus's own `up`; kube-state-metrics (kubernetes/kube-state-metrics
     * docs/metrics/workload/{deployment,job,cronjob,pod}-metrics.md); the API server (Kubernetes metrics reference,
     * apiserver_admission_webhook_*, ALPHA, labelled name and type, the rejections also error_type).
     */
    static final Set<String> EXTERNAL_METRICS = Set.of("up", "kube_deployment_status_replicas_available",
            "kube_deployment_spec_replicas", "kube_job_failed", "kube_cronjob_status_last_successful_time",
            "kube_pod_container_status_restarts_total", "apiserver_admission_webhook_rejection_count",
            "apiserver_admission_webhook_fail_open_count");

    static JsonNode rule() {
        return Fixtures.object(RULE_FILE);
    }

    static JsonNode alertTests() {
        return Json.YAML.readTree(resource("/monitoring/alerts-test.yaml"));
    }

    static String resource(String name) {
        try (var in = MonitoringTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ the alerts over recorded samples

    @Test
    void everyAlertFiresOrStaysQuietAsItsUnitTestsSay() {
        Map<String, AlertRules.Rule> rules = new LinkedHashMap<>();
        AlertRules.of(rule()).forEach(r -> rules.put(r.name(), r));
        JsonNode file = alertTests();
        long evaluation = PromQl.durationMs(file.path("evaluation_interval").asString("1m"));
        List<String> failures = new ArrayList<>();
        int checks = 0;
        for (JsonNode test : file.path("tests")) {
            PromQl.Storage db = AlertRules.storage(test);
            for (JsonNode check : test.path("alert_rule_test")) {
                String name = check.path("alertname").asString();
                AlertRules.Rule rule = rules.get(name);
                if (rule == null) {
                    failures.add(test.path("name").asString() + ": no alert " + name);
                    continue;
                }
                long at = PromQl.durationMs(check.path("eval_time").asString());
                List<String> problems = new ArrayList<>();
                var firing = AlertRules.run(rule, db, evaluation, at, problems).get(at);
                Set<Map<String, String>> got = new HashSet<>();
                firing.forEach(a -> {
                    Map<String, String> labels = new TreeMap<>(a.labels());
                    labels.remove("alertname");
                    got.add(labels);
                });
                Set<Map<String, String>> expected = new HashSet<>();
                for (JsonNode e : check.path("exp_alerts")) {
                    Map<String, String> labels = new TreeMap<>();
                    e.path("exp_labels").properties().forEach(x -> labels.put(x.getKey(), x.getValue().asString()));
                    expected.add(labels);
                }
                checks++;
                if (!got.equals(expected)) {
                    failures.add(test.path("name").asString() + ", " + name + " at " + check.path("eval_time").asString()
                            + ": expected " + expected + ", firing " + got);
                }
                problems.forEach(p -> failures.add(test.path("name").asString() + ": " + p));
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(checks >= 2 * rules.size(), checks + " checks for " + rules.size() + " alerts");
    }

    /** A test that cannot fail is worth nothing: each alert is seen firing, and seen quiet where it must be. */
    @Test
    void everyAlertHasACaseWhereItFiresAndOneWhereItMustNot() {
        Set<String> fires = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test : alertTests().path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? quiet : fires).add(check.path("alertname").asString());
            }
        }
        Set<String> alerts = new TreeSet<>();
        AlertRules.of(rule()).forEach(r -> alerts.add(r.name()));
        assertEquals(alerts, fires, "alerts with a firing case");
        assertEquals(alerts, quiet, "alerts with a quiet case");
    }

    @Test
    void theEvaluatorGetsWrongAnswersWrong() {
        // A threshold that one sample crosses must not fire a rule that asks for a sustained condition: the runner
        // keeps `for`; an expression it cannot evaluate faithfully is refused, not guessed.
        AlertRules.Rule rule = AlertRules.of(Json.YAML.readTree("""
                spec:
                  groups:
                  - name: g
                    rules:
                    - {alert: A, expr: 'x > 1', for: 3m}
                """)).get(0);
        PromQl.Storage db = new PromQl.Storage();
        for (int i = 0; i <= 10; i++) {
            db.add(Map.of("__name__", "x"), i * 60_000L, i == 5 ? 2 : 0);
        }
        assertTrue(AlertRules.run(rule, db, 60_000, 10 * 60_000, new ArrayList<>()).values().stream().allMatch(List::isEmpty));
        for (String unsupported : List.of("x offset 5m", "rate(x[5m])[10m:1m]", "x > bool 1", "a / on(b) c", "label_replace(x, \"a\", \"b\", \"c\", \"d\")")) {
            try {
                PromQl.parse(unsupported);
                throw new AssertionError("parsed " + unsupported);
            } catch (IllegalArgumentException expected) {
                // refused
            }
        }
    }

    // ------------------------------------------------------------------ bound to the Prometheus Operator's CRDs

    static List<JsonNode> monitoringObjects() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode o : ManifestsTest.render("monitoring")) {
            if (o.path("apiVersion").asString().startsWith("monitoring.coreos.com/")) {
                out.add(o);
            }
        }
        for (JsonNode o : HelmChartTest.template("brguard", Map.of("install", "standalone", "monitoring.enabled", "true",
                "monitoring.labels.release", "kube-prometheus-stack", "monitoring.runbookBaseUrl", "https://docs.example/brguard/runbooks.md"))) {
            if (o.path("apiVersion").asString().startsWith("monitoring.coreos.com/")) {
                out.add(o);
            }
        }
        return out;
    }

    @Test
    void thePrometheusRuleAndPodMonitorsPassTheOperatorsCrds() {
        Map<String, CrdSchema> crds = Map.of("PrometheusRule", CrdSchema.load("/monitoring/monitoring.coreos.com_prometheusrules.yaml"),
                "PodMonitor", CrdSchema.load("/monitoring/monitoring.coreos.com_podmonitors.yaml"));
        List<String> problems = new ArrayList<>();
        Map<String, Integer> kinds = new TreeMap<>();
        for (JsonNode o : monitoringObjects()) {
            String kind = o.path("kind").asString();
            kinds.merge(kind, 1, Integer::sum);
            problems.addAll(crds.get(kind).problems(o));
        }
        assertEquals(List.of(), problems);
        assertEquals(Map.of("PodMonitor", 4, "PrometheusRule", 2), kinds, "kustomize and Helm, each two PodMonitors and a rule");
    }

    @Test
    void theCrdCheckRefusesWhatTheOperatorWouldDropOrRefuse() {
        CrdSchema podMonitors = CrdSchema.load("/monitoring/monitoring.coreos.com_podmonitors.yaml");
        ObjectNode typo = (ObjectNode) Fixtures.object("manifests/components/monitoring/podmonitor-webhook.yaml");
        ((ObjectNode) typo.path("spec")).set("podMetricEndpoints", typo.path("spec").path("podMetricsEndpoints"));
        assertTrue(podMonitors.problems(typo).stream().anyMatch(p -> p.contains("podMetricEndpoints")), podMonitors.problems(typo).toString());
        ObjectNode badInterval = (ObjectNode) Fixtures.object("manifests/components/monitoring/podmonitor-webhook.yaml");
        ((ObjectNode) badInterval.path("spec").path("podMetricsEndpoints").get(0)).put("interval", "half a minute");
        assertFalse(podMonitors.problems(badInterval).isEmpty(), "an interval that is no duration");
        CrdSchema rules = CrdSchema.load("/monitoring/monitoring.coreos.com_prometheusrules.yaml");
        ObjectNode noExpr = (ObjectNode) rule();
        ((ObjectNode) noExpr.path("spec").path("groups").get(0).path("rules").get(0)).remove("expr");
        assertFalse(rules.problems(noExpr).isEmpty(), "a rule without expr");
    }

    /** The PodMonitors select the pods each Deployment makes, on the port that serves /metrics. */
    @Test
    void thePodMonitorsScrapeThePodsAndPortThatServeMetrics() {
        List<JsonNode> standalone = ManifestsTest.render("standalone");
        for (String component : List.of("webhook", "controller")) {
            JsonNode monitor = Fixtures.object("manifests/components/monitoring/podmonitor-" + component + ".yaml");
            JsonNode deployment = standalone.stream().filter(o -> o.path("kind").asString().equals("Deployment")
                    && o.path("metadata").path("name").asString().equals("brguard-" + component)).findFirst().orElseThrow();
            JsonNode template = deployment.path("spec").path("template");
            assertTrue(ManifestsTest.selects(monitor.path("spec").path("selector"), template.path("metadata").path("labels")),
                    component + ": the PodMonitor selects the Deployment's pods");
            JsonNode endpoint = monitor.path("spec").path("podMetricsEndpoints").get(0);
            assertEquals("/metrics", endpoint.path("path").asString());
            Set<String> ports = new TreeSet<>();
            template.path("spec").path("containers").get(0).path("ports").forEach(p -> ports.add(p.path("name").asString()));
            assertTrue(ports.contains(endpoint.path("port").asString()), component + " has the port " + endpoint.path("port"));
            assertEquals("brguard-" + component, endpoint.path("relabelings").get(0).path("replacement").asString(),
                    "the job label the alerts and the dashboard select");
        }
    }

    // ------------------------------------------------------------------ metrics that exist

    /**
     * The webhook's series, scraped from its real registry after a decision of each kind, an overload refusal and an
     * audit finding, with the meters the server and `brguard webhook` bind to it (the audit log's, the CA's, the
     * Backup cache's, the caBundle watch's).
     */
    static Set<String> webhookMetrics() throws IOException {
        WebhookMetrics metrics = new WebhookMetrics(() -> 1.9e9, () -> 1.0);
        metrics.record("validate", "CREATE", "false", false, List.of("secret.missing"), Duration.ofMillis(3));
        metrics.rollout("Warn", "");
        metrics.overload("body_budget");
        metrics.caExpiry(() -> 2.0e9);
        new AuditLog(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), null).bind(metrics.registry());
        new ClusterLookups(client, Clock.systemUTC()).bind(metrics.registry());
        new CaBundleWatch(client, List.of("brguard"), List.of("brguard"), () -> null).bind(metrics.registry());
        ObjectNode backup = Fixtures.object("examples/seed/snapshot/full-backup-azblob.yaml");
        FixtureLookups lookups = FixtureLookups.of(Json.YAML.readTree("{secrets: {}, backups: []}"), x -> x);
        new BackgroundAudit(client, () -> List.of(backup), lookups, PolicySource.fixed(new Policy()), null, metrics.registry(),
                Clock.systemUTC()).runOnce();
        return seriesNames(metrics.scrape());
    }

    @Test
    void everySeriesTheAlertsAndTheDashboardReadExists() throws IOException {
        Set<String> webhook = webhookMetrics();
        assertTrue(webhook.containsAll(Set.of("brguard_admission_duration_seconds_bucket", "brguard_admission_requests_total",
                "brguard_backup_findings", "brguard_policy_config_valid", "jvm_memory_used_bytes",
                "brguard_audit_lines_lost_total", "brguard_audit_sink_writing", "brguard_admission_overload_total",
                "brguard_webhook_ca_expiry_timestamp_seconds", "brguard_webhook_cabundle_trusts_serving",
                "brguard_backup_cache_over_budget")), webhook.toString());
        Set<String> known = new TreeSet<>(webhook);
        known.addAll(controllerMetrics());
        known.addAll(EXTERNAL_METRICS);
        Map<String, String> read = new TreeMap<>();
        for (AlertRules.Rule r : AlertRules.of(rule())) {
            PromQl.metrics(r.expr()).forEach(m -> read.put(m, "alert " + r.name()));
        }
        JsonNode dashboard = Json.JSON.readTree(Files.readString(Fixtures.path(DASHBOARD_FILE)));
        for (JsonNode target : dashboard.findValues("targets")) {
            for (JsonNode t : target) {
                PromQl.metrics(PromQl.parse(t.path("expr").asString())).forEach(m -> read.putIfAbsent(m, "dashboard"));
            }
        }
        Map<String, String> unknown = new TreeMap<>(read);
        unknown.keySet().removeAll(known);
        assertEquals(Map.of(), unknown, "series nothing exports");
        Set<String> brguardRead = new TreeSet<>(read.keySet());
        brguardRead.removeIf(m -> !m.startsWith("brguard_"));
        Set<String> exported = new TreeSet<>(known);
        exported.removeIf(m -> !m.startsWith("brguard_") || m.endsWith("_sum") || m.endsWith("_max"));
        exported.removeAll(brguardRead);
        assertEquals(Set.of(), exported, "brguard series neither an alert nor the dashboard shows");
    }

    @Test
    void theDashboardIsGrafanaJsonOnPrometheusItsUserChooses() throws IOException {
        JsonNode dashboard = Json.JSON.readTree(Files.readString(Fixtures.path(DASHBOARD_FILE)));
        assertEquals("brguard", dashboard.path("uid").asString());
        assertEquals("datasource", dashboard.path("templating").path("list").get(0).path("name").asString());
        Set<Integer> ids = new HashSet<>();
        int targets = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique");
            JsonNode grid = panel.path("gridPos");
            assertTrue(grid.path("x").asInt() + grid.path("w").asInt() <= 24, panel.path("title") + " fits the 24 columns");
            if (panel.path("type").asString().equals("row")) {
                continue;
            }
            assertEquals("${datasource}", panel.path("datasource").path("uid").asString(), panel.path("title").asString());
            for (JsonNode t : panel.path("targets")) {
                targets++;
                assertEquals("${datasource}", t.path("datasource").path("uid").asString());
                PromQl.parse(t.path("expr").asString());
            }
        }
        assertTrue(targets >= 20, targets + " queries");
    }

    @Test
    void theChartCarriesTheComponentsFilesUnchanged() throws IOException {
        assertEquals(Files.readString(Fixtures.path(RULE_FILE)), Files.readString(Fixtures.path("charts/brguard/files/prometheusrule.yaml")));
        assertEquals(Files.readString(Fixtures.path(DASHBOARD_FILE)), Files.readString(Fixtures.path("charts/brguard/files/dashboard.json")));
    }

    // ------------------------------------------------------------------ runbooks

    @Test
    void everyAlertLinksARunbookSectionOfItsOwn() {
        String runbooks = Fixtures.read("docs/runbooks.md");
        Set<String> sections = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^## (Brguard\\w+)$").matcher(runbooks);
        while (m.find()) {
            sections.add(m.group(1));
        }
        Set<String> alerts = new TreeSet<>();
        for (AlertRules.Rule r : AlertRules.of(rule())) {
            alerts.add(r.name());
            assertEquals("docs/runbooks.md#" + r.name().toLowerCase(), r.annotations().get("runbook_url"), r.name());
            assertTrue(Set.of("critical", "warning", "info").contains(r.labels().get("severity")), r.name());
            assertFalse(r.annotations().getOrDefault("summary", "").isBlank(), r.name() + " has a summary");
            assertFalse(r.annotations().getOrDefault("description", "").isBlank(), r.name() + " has a description");
        }
        assertEquals(alerts, sections, "docs/runbooks.md has one section per alert and none for an alert that does not exist");
        // Helm points the same anchors at the docs where a team serves them.
        for (JsonNode o : monitoringObjects()) {
            if (o.path("kind").asString().equals("PrometheusRule") && o.path("metadata").path("labels").has("helm.sh/chart")) {
                for (JsonNode url : o.findValues("runbook_url")) {
                    assertTrue(url.asString().startsWith("https://docs.example/brguard/runbooks.md#brguard"), url.asString());
                }
            }
        }
    }
}
