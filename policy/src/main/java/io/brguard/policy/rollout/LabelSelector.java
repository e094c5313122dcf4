package io.brguard.policy.rollout;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Kubernetes label selector (matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist). Pure. */
public record LabelSelector(Map<String, String> matchLabels, List<Expression> matchExpressions) {

    /** One requirement. */
    public record Expression(String key, String operator, List<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (operator) {
                case "In" -> v != null && values.contains(v);
                case "NotIn" -> v == null || !values.contains(v);
                case "Exists" -> v != null;
                case "DoesNotExist" -> v == null;
                default -> false;
            };
        }
    }

    /** Matches nothing (no selector configured); an empty selector given in the file would match everything. */
    public static final LabelSelector NONE = new LabelSelector(null, null);

    public boolean matches(Map<String, String> labels) {
        if (matchLabels == null && matchExpressions == null) {
            return false;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        for (var e : (matchLabels == null ? Map.<String, String>of() : matchLabels).entrySet()) {
            if (!e.getValue().equals(l.get(e.getKey()))) {
                return false;
            }
        }
        for (Expression x : matchExpressions == null ? List.<Expression>of() : matchExpressions) {
            if (!x.matches(l)) {
                return false;
            }
        }
        return true;
    }

    static LabelSelector of(JsonNode node) {
        if (!node.isObject()) {
            return NONE;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        node.path("matchLabels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
        List<Expression> expressions = new ArrayList<>();
        for (JsonNode x : node.path("matchExpressions")) {
            List<String> values = new ArrayList<>();
            x.path("values").forEach(v -> values.add(v.asString()));
            expressions.add(new Expression(x.path("key").asString(), x.path("operator").asString(), values));
        }
        return new LabelSelector(labels, expressions);
    }
}
