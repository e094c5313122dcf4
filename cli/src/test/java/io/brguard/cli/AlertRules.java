package io.brguard.cli;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The alerting rules of a PrometheusRule, run as Prometheus's rule manager runs them (rules/alerting.go): the
 * expression is evaluated every evaluation interval; each result becomes an alert with the result's labels (without
 * the metric name), the rule's labels and alertname; an alert is pending from the first evaluation that returns it
 * and firing once it has been returned for the rule's `for` without a gap; an evaluation that no longer returns it
 * drops it. Unit tests are read in promtool's layout (input_series in the expanding notation, alert_rule_test with
 * eval_time, alertname and exp_alerts/exp_labels); annotations are not compared, but every {{ $labels.x }} an
 * annotation names must be a label of the alert it is rendered for.
 */
final class AlertRules {
    /** One alerting rule. */
    record Rule(String group, String name, String exprText, PromQl.Expr expr, long forMs, Map<String, String> labels,
                Map<String, String> annotations) {
    }

    /** A firing alert: its labels (alertname included) and the value that fired it. */
    record Alert(Map<String, String> labels, double value) {
    }

    private static final Pattern LABEL_REF = Pattern.compile("\\{\\{\\s*\\$labels\\.([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");

    private AlertRules() {
    }

    static List<Rule> of(JsonNode prometheusRule) {
        List<Rule> out = new ArrayList<>();
        for (JsonNode group : prometheusRule.path("spec").path("groups")) {
            for (JsonNode r : group.path("rules")) {
                if (!r.has("alert")) {
                    continue;
                }
                String text = r.path("expr").asString();
                Map<String, String> labels = new TreeMap<>();
                r.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
                Map<String, String> annotations = new TreeMap<>();
                r.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asString()));
                long forMs = r.has("for") ? PromQl.durationMs(r.path("for").asString()) : 0;
                out.add(new Rule(group.path("name").asString(), r.path("alert").asString(), text, PromQl.parse(text), forMs,
                        labels, annotations));
            }
        }
        return out;
    }

    /** promtool's expanding notation: "a+bxn", "a-bxn", "axn" (n + 1 values, a may be NaN), "_" and "_xn" (missing samples). */
    static List<Double> values(String notation) {
        List<Double> out = new ArrayList<>();
        for (String token : notation.trim().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            Matcher m = Pattern.compile("(_|NaN|-?[0-9.e+]+?)(?:([+-])([0-9.]+))?x([0-9]+)").matcher(token);
            if (token.equals("_")) {
                out.add(null);
            } else if (m.matches()) {
                int n = Integer.parseInt(m.group(4));
                if (m.group(1).equals("_")) {
                    for (int i = 0; i < n; i++) {
                        out.add(null);
                    }
                    continue;
                }
                double a = Double.parseDouble(m.group(1));
                double b = m.group(3) == null ? 0 : Double.parseDouble(m.group(3)) * (m.group(2).equals("-") ? -1 : 1);
                for (int i = 0; i <= n; i++) {
                    out.add(a + i * b);
                }
            } else {
                out.add(Double.parseDouble(token));
            }
        }
        return out;
    }

    static PromQl.Storage storage(JsonNode test) {
        long interval = PromQl.durationMs(test.path("interval").asString("1m"));
        PromQl.Storage db = new PromQl.Storage();
        for (JsonNode s : test.path("input_series")) {
            Map<String, String> labels = PromQl.seriesLabels(s.path("series").asString());
            List<Double> vs = values(s.path("values").asString());
            for (int i = 0; i < vs.size(); i++) {
                if (vs.get(i) != null) {
                    db.add(labels, i * interval, vs.get(i));
                }
            }
        }
        return db;
    }

    /** The alerts of one rule firing at each evaluation up to `until`, by evaluation time. */
    static Map<Long, List<Alert>> run(Rule rule, PromQl.Storage db, long evaluationMs, long untilMs, List<String> problems) {
        Map<Map<String, String>, Long> activeSince = new LinkedHashMap<>();
        Map<Long, List<Alert>> firing = new TreeMap<>();
        for (long t = 0; t <= untilMs; t += evaluationMs) {
            Map<Map<String, String>, Double> now = new LinkedHashMap<>();
            for (PromQl.Sample x : PromQl.eval(rule.expr(), db, t).samples()) {
                Map<String, String> labels = new TreeMap<>(x.labels());
                labels.remove("__name__");
                labels.putAll(rule.labels());
                labels.put("alertname", rule.name());
                if (now.put(labels, x.value()) != null) {
                    problems.add(rule.name() + ": two results with the labels " + PromQl.format(labels));
                }
            }
            activeSince.keySet().retainAll(now.keySet());
            List<Alert> fired = new ArrayList<>();
            for (var e : now.entrySet()) {
                Long since = activeSince.get(e.getKey());
                if (since == null) {
                    since = t;
                    activeSince.put(e.getKey(), since);
                }
                if (t - since >= rule.forMs()) {
                    fired.add(new Alert(e.getKey(), e.getValue()));
                    for (String text : rule.annotations().values()) {
                        Matcher m = LABEL_REF.matcher(text);
                        while (m.find()) {
                            if (!e.getKey().containsKey(m.group(1))) {
                                problems.add(rule.name() + ": an annotation names $labels." + m.group(1)
                                        + ", which the alert " + PromQl.format(e.getKey()) + " does not have");
                            }
                        }
                    }
                }
            }
            firing.put(t, fired);
        }
        return firing;
    }
}
