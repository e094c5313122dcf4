package io.brguard.policy;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Defaulting as a JSON Patch: backupMode snapshot, backupType full (snapshot only), cleanPolicy Retain, the
 * deprecated {@code logStop: true} rewritten as {@code logSubcommand: log-stop}, and the label
 * {@code br.pingcap.com/cluster}. Idempotent: a mutated object yields an empty patch, so reinvocation is safe.
 */
public final class Mutator {
    public static final String CLUSTER_LABEL = "br.pingcap.com/cluster";
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    /**
     * The patch and the object it produces. {@code mutated} shares every subtree defaulting does not touch (status,
     * managedFields, spec.azblob...) with the input: treat both as read-only.
     */
    public record Result(List<PatchOp> patch, ObjectNode mutated) {
    }

    private Mutator() {
    }

    public static Result mutate(JsonNode object) {
        // Defaulting only sets or removes top-level fields of spec and one label, so only those containers are
        // copied: a deep copy of the whole object (status, managedFields) was most of this method's cost.
        ObjectNode copy = shallowCopy((ObjectNode) object);
        if (copy.get("metadata") instanceof ObjectNode metadata) {
            ObjectNode m = shallowCopy(metadata);
            if (metadata.get("labels") instanceof ObjectNode labels) {
                m.set("labels", shallowCopy(labels));
            }
            copy.set("metadata", m);
        }
        if (!(copy.get("spec") instanceof ObjectNode original)) {
            return new Result(List.of(), copy);
        }
        ObjectNode spec = shallowCopy(original);
        copy.set("spec", spec);
        List<PatchOp> ops = new ArrayList<>();
        if (absent(spec, "backupMode")) {
            set(spec, "backupMode", "snapshot", "/spec/backupMode", ops);
        }
        if ("snapshot".equals(text(spec, "backupMode")) && absent(spec, "backupType")) {
            set(spec, "backupType", "full", "/spec/backupType", ops);
        }
        if (absent(spec, "cleanPolicy")) {
            set(spec, "cleanPolicy", "Retain", "/spec/cleanPolicy", ops);
        }
        if (spec.path("logStop").asBoolean(false) && (absent(spec, "logSubcommand") || text(spec, "logSubcommand").isEmpty())) {
            set(spec, "logSubcommand", "log-stop", "/spec/logSubcommand", ops);
            spec.remove("logStop");
            ops.add(PatchOp.remove("/spec/logStop"));
        }
        String cluster = text(spec.path("br"), "cluster");
        if (!cluster.isEmpty() && LABEL_VALUE.matcher(cluster).matches()) {
            label(copy, cluster, ops);
        }
        return new Result(List.copyOf(ops), copy);
    }

    private static ObjectNode shallowCopy(ObjectNode node) {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        copy.setAll(node);
        return copy;
    }

    private static void label(ObjectNode object, String cluster, List<PatchOp> ops) {
        if (!(object.get("metadata") instanceof ObjectNode metadata)) {
            ObjectNode m = JsonNodeFactory.instance.objectNode();
            m.putObject("labels").put(CLUSTER_LABEL, cluster);
            object.set("metadata", m);
            ops.add(PatchOp.add("/metadata", m.deepCopy()));
            return;
        }
        if (!(metadata.get("labels") instanceof ObjectNode labels)) {
            ObjectNode l = JsonNodeFactory.instance.objectNode().put(CLUSTER_LABEL, cluster);
            metadata.set("labels", l);
            ops.add(PatchOp.add("/metadata/labels", l.deepCopy()));
            return;
        }
        if (!cluster.equals(text(labels, CLUSTER_LABEL))) {
            labels.put(CLUSTER_LABEL, cluster);
            ops.add(PatchOp.add("/metadata/labels/" + PatchOp.escape(CLUSTER_LABEL), StringNode.valueOf(cluster)));
        }
    }

    private static void set(ObjectNode spec, String field, String value, String pointer, List<PatchOp> ops) {
        spec.put(field, value);
        ops.add(PatchOp.add(pointer, StringNode.valueOf(value)));
    }

    private static boolean absent(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : "";
    }
}
