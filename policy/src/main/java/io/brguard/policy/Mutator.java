package io.brguard.policy;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Defaulting as a JSON Patch: TiDB Operator v2's CRD defaults ({@link #CRD_DEFAULTS}), backupType full (snapshot
 * only), the deprecated {@code logStop: true} rewritten as {@code logSubcommand: log-stop}, and the label
 * {@code br.pingcap.com/cluster}. Idempotent: a mutated object yields an empty patch, so reinvocation is safe.
 */
public final class Mutator {
    public static final String CLUSTER_LABEL = "br.pingcap.com/cluster";

    /**
     * The patch and the object it produces. {@code mutated} shares every subtree defaulting does not touch (status,
     * managedFields, spec.azblob...) with the input, and is the input itself when the patch is empty: treat both as
     * read-only.
     */
    public record Result(List<PatchOp> patch, ObjectNode mutated) {
    }

    private Mutator() {
    }

    public static Result mutate(JsonNode object) {
        ObjectNode input = (ObjectNode) object;
        if (!(input.get("spec") instanceof ObjectNode original)) {
            return new Result(List.of(), input);
        }
        // The checks read the input; containers are copied only when defaulting changes them (copy on write). An
        // object that is already defaulted, as most updates are, comes back as the input itself.
        List<PatchOp> ops = new ArrayList<>(4);
        ObjectNode spec = defaultSpec(original, "/spec", ops);
        String cluster = text(original.path("br"), "cluster");
        boolean label = isLabelValue(cluster) && !cluster.equals(text(input.path("metadata").path("labels"), CLUSTER_LABEL));
        if (spec == original && !label) {
            return new Result(List.of(), input);
        }
        ObjectNode copy = shallowCopy(input);
        copy.set("spec", spec);
        if (label) {
            label(copy, cluster, ops);
        }
        return new Result(List.copyOf(ops), copy);
    }

    /** A default of TiDB Operator v2's Backup CRD: {@code field} of the spec, or of its optional object {@code parent}. */
    public record CrdDefault(String parent, String field, Object value) {
        public String path() {
            return parent.isEmpty() ? field : parent + "." + field;
        }
    }

    /**
     * Every default of TiDB Operator v2's Backup spec (pingcap/tidb-operator manifests/crd/br.pingcap.com_backups.yaml,
     * from api/br/v1alpha1/backup_types.go; the same in a BackupSchedule's templates). The API server applies them
     * to every object it serves, so a file without them must be defaulted before it is compared with a served object
     * (check --live); a nested default applies only when its object is there, as the API server applies it.
     * UpstreamCrdFactsTest holds this list to upstream's CRD; the Kubernetes-typed fields' own defaults (volumes) are
     * not brguard's to apply.
     */
    public static final List<CrdDefault> CRD_DEFAULTS = List.of(
            new CrdDefault("", "backupMode", "snapshot"),
            new CrdDefault("", "cleanPolicy", "Retain"),
            new CrdDefault("", "volumeBackupInitJobMaxActiveSeconds", 600),
            new CrdDefault("cleanOption", "retryCount", 5),
            new CrdDefault("backoffRetryPolicy", "maxRetryTimes", 2),
            new CrdDefault("backoffRetryPolicy", "minRetryDuration", "300s"),
            new CrdDefault("backoffRetryPolicy", "retryTimeout", "30m"));

    /**
     * The defaults of one Backup spec (a Backup's, or a BackupSchedule's template at {@code at}): the CRD's, then
     * brguard's own (backupType full on a snapshot, the deprecated logStop rewritten). The spec itself when nothing is
     * defaulted, else a copy, with the patch operations added to {@code ops}.
     */
    public static ObjectNode defaultSpec(ObjectNode original, String at, List<PatchOp> ops) {
        ObjectNode spec = original;
        for (CrdDefault d : CRD_DEFAULTS) {
            ObjectNode target = d.parent().isEmpty() ? spec : spec.get(d.parent()) instanceof ObjectNode o ? o : null;
            // Fields are plain Go values with omitempty, so "" reads as unset too (backupMode "" is a snapshot).
            if (target == null || !absent(target, d.field())) {
                continue;
            }
            JsonNode value = d.value() instanceof Integer i ? JsonNodeFactory.instance.numberNode(i)
                    : StringNode.valueOf(d.value().toString());
            if (spec == original) {
                spec = shallowCopy(original);
            }
            if (d.parent().isEmpty()) {
                spec.set(d.field(), value);
            } else {
                ObjectNode parent = shallowCopy(target);
                parent.set(d.field(), value);
                spec.set(d.parent(), parent);
            }
            ops.add(PatchOp.add(at + "/" + (d.parent().isEmpty() ? "" : d.parent() + "/") + d.field(), value));
        }
        boolean fullType = "snapshot".equals(text(spec, "backupMode")) && absent(spec, "backupType");
        // Only a logStop alone is rewritten: beside a logSubcommand, even an empty one, the CRD's rule refuses both
        // (FieldRules says why), and rewriting would hide that from the API server's own check.
        boolean logStop = spec.path("logStop").asBoolean(false) && !spec.has("logSubcommand");
        if (!fullType && !logStop) {
            return spec;
        }
        if (spec == original) {
            spec = shallowCopy(original);
        }
        if (fullType) {
            set(spec, "backupType", "full", at + "/backupType", ops);
        }
        if (logStop) {
            set(spec, "logSubcommand", "log-stop", at + "/logSubcommand", ops);
            spec.remove("logStop");
            ops.add(PatchOp.remove(at + "/logStop"));
        }
        return spec;
    }

    /**
     * Whether a cluster name can be the label's value: 1 to 63 characters of {@code [A-Za-z0-9-_.]} that begin and
     * end with a letter or digit. (Kubernetes also allows an empty label value, but an empty cluster name gives no
     * label, so it is false here.)
     */
    static boolean isLabelValue(String v) {
        int n = v.length();
        if (n == 0 || n > 63 || !alnum(v.charAt(0)) || !alnum(v.charAt(n - 1))) {
            return false;
        }
        for (int i = 1; i < n - 1; i++) {
            char c = v.charAt(i);
            if (!alnum(c) && c != '-' && c != '_' && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean alnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    private static ObjectNode shallowCopy(ObjectNode node) {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        copy.setAll(node);
        return copy;
    }

    /** Sets the cluster label on {@code object} (a copy), copying metadata and labels rather than changing them. */
    private static void label(ObjectNode object, String cluster, List<PatchOp> ops) {
        if (!(object.get("metadata") instanceof ObjectNode metadata)) {
            ObjectNode m = JsonNodeFactory.instance.objectNode();
            m.putObject("labels").put(CLUSTER_LABEL, cluster);
            object.set("metadata", m);
            ops.add(PatchOp.add("/metadata", m.deepCopy()));
            return;
        }
        ObjectNode m = shallowCopy(metadata);
        object.set("metadata", m);
        if (!(metadata.get("labels") instanceof ObjectNode labels)) {
            ObjectNode l = JsonNodeFactory.instance.objectNode().put(CLUSTER_LABEL, cluster);
            m.set("labels", l);
            ops.add(PatchOp.add("/metadata/labels", l.deepCopy()));
            return;
        }
        m.set("labels", shallowCopy(labels).put(CLUSTER_LABEL, cluster));
        ops.add(PatchOp.add("/metadata/labels/" + PatchOp.escape(CLUSTER_LABEL), StringNode.valueOf(cluster)));
    }

    private static void set(ObjectNode spec, String field, String value, String pointer, List<PatchOp> ops) {
        spec.put(field, value);
        ops.add(PatchOp.add(pointer, StringNode.valueOf(value)));
    }

    /** Absent as TiDB Operator reads it: missing, null, or "" (its Go fields are plain strings, omitempty). */
    private static boolean absent(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.isString() && v.asString().isEmpty();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : "";
    }
}
