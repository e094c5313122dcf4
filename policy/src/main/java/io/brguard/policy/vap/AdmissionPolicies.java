package io.brguard.policy.vap;

import io.brguard.policy.Json;
import io.brguard.policy.RuleCatalog;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * brguard's rules that need nothing but the object and its old version, as Kubernetes ValidatingAdmissionPolicies
 * (admissionregistration.k8s.io/v1, GA in Kubernetes 1.30): the API server itself evaluates them, so they hold
 * while brguard's pods are down or its webhook is switched off. Generated from the policy's own definitions (the
 * transition table, LogState's phases, the rules' patterns, limits and texts, the spec schema), as Kyverno generates
 * ValidatingAdmissionPolicies from the CEL rules of its own policies (kyverno.io, "Generate
 * ValidatingAdmissionPolicies"): what needs a lookup (a Secret, a Cluster, the other Backups) stays the webhook's,
 * and {@link #coverage()} says which rule is where and why.
 *
 * <p>Pure: it returns objects and text; {@code brguard vap} prints or writes them.
 */
public final class AdmissionPolicies {
    public static final String API_VERSION = "admissionregistration.k8s.io/v1";

    /** What the binding does with a failed validation (validationActions; Audit always, for the API server's audit log). */
    public enum Action {
        /** Each failed validation is a warning to the client: nothing is refused. */
        WARN("Warn"),
        /** The request is refused with the validation's message. */
        DENY("Deny");

        private final String value;

        Action(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }

        public static Action of(String value) {
            for (Action a : values()) {
                if (a.value.equalsIgnoreCase(value)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("not an action: " + value + " (Warn or Deny)");
        }
    }

    /** One generated policy: its name, the resource it matches, its variables in order and its checks. */
    public record Policy(String name, String resource, Map<String, String> variables, List<Check> checks) {
    }

    private AdmissionPolicies() {
    }

    /** The policies: Backups, and BackupSchedules (their templates as new Backups, and the schedule rules). */
    public static List<Policy> policies() {
        return List.of(new Policy("brguard-backups", "backups", BackupChecks.variables(), BackupChecks.checks()),
                new Policy("brguard-backupschedules", "backupschedules", ScheduleChecks.variables(), ScheduleChecks.checks()));
    }

    /**
     * The ValidatingAdmissionPolicy. failurePolicy Ignore: an expression that cannot be evaluated (a cost limit
     * reached on an outsized object) lets the request through to the webhook, as the webhook's own install does
     * while it cannot answer; the policy refuses only what a validation says is wrong.
     */
    public static ObjectNode policyObject(Policy p) {
        ObjectNode o = header("ValidatingAdmissionPolicy", p.name());
        ObjectNode spec = o.putObject("spec");
        spec.put("failurePolicy", "Ignore");
        ObjectNode rule = spec.putObject("matchConstraints").putArray("resourceRules").addObject();
        rule.putArray("apiGroups").add("br.pingcap.com");
        rule.putArray("apiVersions").add("v1alpha1");
        rule.putArray("operations").add("CREATE").add("UPDATE");
        rule.putArray("resources").add(p.resource());
        ArrayNode variables = spec.putArray("variables");
        p.variables().forEach((name, expression) -> variables.addObject().put("name", name).put("expression", expression));
        ArrayNode validations = spec.putArray("validations");
        for (Check c : p.checks()) {
            ObjectNode v = validations.addObject();
            v.put("expression", c.expression());
            v.put("message", c.message());
            if (c.messageExpression() != null) {
                v.put("messageExpression", c.messageExpression());
            }
        }
        return o;
    }

    /**
     * The binding: every namespace the webhook judges (not brguard's own, not kube-system, nor any named in
     * {@code excluded}), with the given action, and Audit.
     */
    public static ObjectNode bindingObject(Policy p, Action action, String namespace, List<String> excluded) {
        ObjectNode o = header("ValidatingAdmissionPolicyBinding", p.name());
        ObjectNode spec = o.putObject("spec");
        spec.put("policyName", p.name());
        spec.putArray("validationActions").add(action.value()).add("Audit");
        ObjectNode expr = spec.putObject("matchResources").putObject("namespaceSelector").putArray("matchExpressions").addObject();
        expr.put("key", "kubernetes.io/metadata.name");
        expr.put("operator", "NotIn");
        ArrayNode values = expr.putArray("values");
        Set<String> all = new LinkedHashSet<>(List.of(namespace, "kube-system"));
        all.addAll(excluded);
        all.forEach(values::add);
        return o;
    }

    private static ObjectNode header(String kind, String name) {
        ObjectNode o = Json.JSON.createObjectNode();
        o.put("apiVersion", API_VERSION);
        o.put("kind", kind);
        ObjectNode metadata = o.putObject("metadata");
        metadata.put("name", name);
        metadata.putObject("labels").put("app.kubernetes.io/name", "brguard");
        return o;
    }

    /** Multi-line expressions as YAML literal blocks, long lines kept whole. */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .disable(YAMLWriteFeature.SPLIT_LINES)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .enable(YAMLWriteFeature.LITERAL_BLOCK_STYLE)
            .build();

    private static final String GENERATED = "# Generated by `brguard vap` from brguard's own rules (io.brguard.policy.vap.AdmissionPolicies); do not\n"
            + "# edit: change the rules, then `brguard vap --write manifests/components/vap`. docs/operations.md, \"A fallback that\n"
            + "# does not depend on brguard's pods\", says what it covers; docs/rules.md lists every rule it covers and not.\n";

    /** One object as the file brguard ships it. */
    public static String yaml(ObjectNode object) {
        return GENERATED + YAML.writeValueAsString(object);
    }

    /**
     * Every file of manifests/components/vap, in apply order (each policy before its binding), by file name:
     * policy-backups.yaml, binding-backups.yaml, ...
     */
    public static Map<String, String> files(Action action, String namespace, List<String> excluded) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Policy p : policies()) {
            out.put("policy-" + p.resource() + ".yaml", yaml(policyObject(p)));
            out.put("binding-" + p.resource() + ".yaml", yaml(bindingObject(p, action, namespace, excluded)));
        }
        return out;
    }

    /** The files as one YAML stream, for `brguard vap`. */
    public static String stream(Action action, String namespace, List<String> excluded) {
        return String.join("---\n", files(action, namespace, excluded).values());
    }

    // ------------------------------------------------------------------ coverage

    /** Where a rule is enforced: in the fallback too, or only by the webhook, with why. */
    public record Coverage(String ruleId, boolean covered, String note) {
    }

    private static final String OPEN = "changes inside the objects the spec schema leaves open (resources, affinity, "
            + "provider settings other than azblob) are the webhook's";
    private static final String LONG = "values over " + SpecChecks.TRAVERSED + " characters are the webhook's";
    private static final String WARNING = "a warning, never a denial: the webhook gives it";

    /** What the fallback leaves to the webhook of a rule it covers; a rule not listed is covered whole. */
    private static final Map<String, String> PARTLY = Map.ofEntries(
            Map.entry("field.storage-provider", "on an update, a missing provider while the providers stay the same, and "
                    + "a second provider that was there and changed"),
            Map.entry("field.container", "the fix's suggested name"),
            Map.entry("field.prefix", LONG),
            Map.entry("field.access-tier", LONG),
            Map.entry("field.cluster-namespace", LONG),
            Map.entry("immutable.field", "clusters, namespaces and accounts over " + SpecChecks.TRAVERSED + " characters, and a "
                    + "container and prefix over " + 2 * SpecChecks.TRAVERSED + " together"),
            Map.entry("schedule.cluster-mismatch", LONG),
            Map.entry("field.lastbackupts", "whether a number is a plausible TSO, and a value given as the next option"),
            Map.entry("field.snapshot-only", "options over " + SpecChecks.TRAVERSED + " characters"),
            Map.entry("field.azblob-encryption", "options over " + SpecChecks.TRAVERSED + " characters"),
            Map.entry("field.retry-duration", "values past Go's 290 years, and " + LONG + "; Go's error text"),
            Map.entry("schedule.duration", "a zero or negative maxReservedTime, values past Go's 290 years, and " + LONG
                    + "; Go's error text"),
            Map.entry("secret.no-credentials", "a Backup's update that changes only fields the policy does not compare ("
                    + OPEN + ")"),
            Map.entry("transition.unsupported-subcommand", "an update that keeps the unsupported value and changes other fields"),
            Map.entry("transition.stopped-is-terminal", OPEN),
            Map.entry("transition.failed-start-is-terminal", OPEN),
            Map.entry("transition.invalid-is-terminal", OPEN),
            Map.entry("transition.deleting", OPEN),
            Map.entry("transition.snapshot-started", OPEN),
            Map.entry("schedule.log-template-in-use", OPEN));

    private static final String LOOKUP = "reads another object, and a ValidatingAdmissionPolicy reads only the request's "
            + "object, its old version, its namespace and a parameter object";

    /** Why a rule stays the webhook's alone. */
    private static final Map<String, String> NOT_COVERED = Map.ofEntries(
            Map.entry("schema.invalid", "the CRD's own schema (types, enums, required fields) is checked by the API server "
                    + "before any admission policy, and unknown fields are pruned before admission: only `brguard check` sees them"),
            Map.entry("schema.too-large", "counts the spec's values at every depth, which CEL cannot recurse through; "
                    + "Kubernetes bounds every expression's cost instead"),
            Map.entry("field.timestamp", "needs Go's time.Parse and the TSO's physical time: a regular expression would "
                    + "refuse times brguard accepts"),
            Map.entry("field.table-filter", "needs a parser of TiDB's table-filter grammar (backquotes, escapes, /regex/)"),
            Map.entry("field.log-stop-conflict", "the CRD's own rule (x-kubernetes-validations) refuses it before admission "
                    + "policies run"),
            Map.entry("secret.missing", "reads the Secret: it " + LOOKUP),
            Map.entry("secret.keys", "reads the Secret's keys: it " + LOOKUP),
            Map.entry("cross.cluster-missing", "reads the TiDB Cluster: it " + LOOKUP),
            Map.entry("cross.one-log-per-cluster", "compares with the other Backups: it " + LOOKUP),
            Map.entry("cross.prefix-overlap", "compares with the other Backups: it " + LOOKUP),
            Map.entry("pitr.truncate-past-snapshot", "reads the other Backups' status: it " + LOOKUP),
            Map.entry("schedule.cron", "needs robfig/cron's parser and a search for the next time the schedule fires"),
            Map.entry("field.provider-fields", "judges s3, gcs and local storage, which the fallback leaves alone: its "
                    + "storage checks are the Azure ones"));

    /** Why the rules of a kind without a generated policy stay the webhook's. */
    private static final String RESTORES = "Restores have no fallback policy: most of their rules read the Backups "
            + "they restore from, the cluster they restore into or the other Restores";

    /** Every rule of the catalog, covered or not, with what the fallback leaves to the webhook or why. */
    public static Map<String, Coverage> coverage() {
        Set<String> covered = new LinkedHashSet<>();
        policies().forEach(p -> p.checks().forEach(c -> covered.add(c.ruleId())));
        Map<String, Coverage> out = new LinkedHashMap<>();
        for (String id : RuleCatalog.entries().keySet()) {
            if (covered.contains(id)) {
                out.put(id, new Coverage(id, true, PARTLY.getOrDefault(id, "")));
            } else if (id.startsWith("warn.")) {
                out.put(id, new Coverage(id, false, WARNING));
            } else {
                String why = id.startsWith("restore.") ? RESTORES : NOT_COVERED.get(id);
                if (why == null) {
                    throw new IllegalStateException(id + " is neither covered by the policy nor listed with why not");
                }
                out.put(id, new Coverage(id, false, why));
            }
        }
        return out;
    }

    /** The rules listed with a reason they are not covered, or what is left of them, that are in fact otherwise. */
    public static List<String> staleNotes() {
        Map<String, Coverage> all = coverage();
        List<String> stale = new ArrayList<>();
        NOT_COVERED.keySet().stream().filter(id -> !all.containsKey(id) || all.get(id).covered()).forEach(stale::add);
        PARTLY.keySet().stream().filter(id -> !all.containsKey(id) || !all.get(id).covered()).forEach(stale::add);
        return stale;
    }

    /** The coverage as the Markdown table docs/rules.md embeds. */
    public static String markdown() {
        Map<String, Coverage> all = new TreeMap<>(coverage());
        long covered = all.values().stream().filter(Coverage::covered).count();
        long denials = all.values().stream().filter(c -> !c.ruleId().startsWith("warn.")).count();
        StringBuilder b = new StringBuilder("The fallback covers " + covered + " of brguard's " + denials
                + " denying rules; warnings stay the webhook's.\n\n| rule | in the fallback | left to the webhook |\n|---|---|---|\n");
        for (Coverage c : all.values()) {
            if (c.ruleId().startsWith("warn.")) {
                continue;
            }
            b.append("| `").append(c.ruleId()).append("` | ").append(c.covered() ? "yes" : "no").append(" | ")
                    .append(c.covered() ? (c.note().isEmpty() ? "nothing" : c.note()) : c.note()).append(" |\n");
        }
        return b.toString();
    }
}
