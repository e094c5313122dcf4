package io.brguard.policy;

import io.brguard.policy.model.Backup;
import io.brguard.policy.rules.CredentialRules;
import io.brguard.policy.rules.CrossObjectRules;
import io.brguard.policy.rules.FieldRules;
import io.brguard.policy.rules.ImmutableRules;
import io.brguard.policy.rules.PitrGuard;
import io.brguard.policy.rules.RiskWarnings;
import io.brguard.policy.rules.RuleFamily;
import io.brguard.policy.rules.TransitionRules;
import io.brguard.policy.state.LogState;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The decision: (operation, old Backup, new Backup, lookups) -> Verdict. Pure: no I/O, no clock.
 * The webhook, the offline checker and the controller all call this one function.
 */
public final class Policy {

    /** Every rule family, in the order their findings are reported. */
    public static final List<RuleFamily> RULES = List.of(
            new FieldRules(),
            new TransitionRules(),
            new ImmutableRules(),
            new CredentialRules(),
            new CrossObjectRules(),
            new PitrGuard(),
            new RiskWarnings());

    private final PolicyConfig config;

    public Policy(PolicyConfig config) {
        this.config = config;
    }

    public Policy() {
        this(PolicyConfig.DEFAULT);
    }

    public PolicyConfig config() {
        return config;
    }

    public Verdict decide(Operation operation, Backup oldBackup, Backup newBackup, Lookups lookups) {
        return decide(operation, oldBackup == null ? null : Json.toTree(oldBackup),
                newBackup == null ? null : Json.toTree(newBackup), lookups);
    }

    /**
     * Decides on raw object trees (as they arrive in an AdmissionReview or a YAML file). DELETE and updates that
     * leave the spec unchanged (re-syncs, metadata and status writes) are always allowed.
     */
    public Verdict decide(Operation operation, JsonNode oldObject, JsonNode newObject, Lookups lookups) {
        if (operation == Operation.DELETE) {
            return Verdict.allow(List.of());
        }
        if (newObject == null || !newObject.isObject()) {
            return deny(new Violation("schema.invalid", "(object)", "not a JSON object", null, "send a Backup object"));
        }
        if (!newObject.path("spec").isObject()) {
            return deny(new Violation("schema.invalid", "spec", "required field is missing or not an object", null,
                    "add spec with br and azblob"));
        }
        Violation tooLarge = SpecSize.check(newObject.get("spec"));
        if (tooLarge != null) {
            return deny(tooLarge); // nothing else is judged: a bound on what one request can make the rules do
        }
        Mutator.Result mutated = Mutator.mutate(newObject);
        JsonNode newTree = omitEmpty(mutated.mutated());
        JsonNode oldTree = oldObject != null && oldObject.isObject() ? omitEmpty(Mutator.mutate(oldObject).mutated()) : null;
        if (operation == Operation.UPDATE && oldTree != null && Json.sameMeaning(oldTree.path("spec"), newTree.path("spec"))) {
            return Verdict.allow(mutated.patch());
        }
        List<Violation> schema = SpecSchema.validate(newTree.get("spec"));
        Backup newBackup;
        Backup oldBackup;
        try {
            newBackup = Json.toBackup(newTree);
            oldBackup = oldTree == null ? null : Json.toBackup(forRules(oldTree));
        } catch (JacksonException e) {
            // A type error the schema already names: nothing else can be judged on a spec that does not bind.
            return schema.isEmpty()
                    ? deny(new Violation("schema.invalid", "spec", "a value has the wrong type", Json.describe(e), "fix the types"))
                    : new Verdict(Limits.cap(schema), List.of(), mutated.patch(), List.of());
        }
        JsonNode oldSpec = oldTree == null ? null : oldTree.path("spec");
        Context ctx = new Context(operation, oldBackup, newBackup,
                oldSpec == null || oldSpec.isMissingNode() ? null : oldSpec,
                newTree.path("spec"), LogState.of(oldBackup), lookups, config);
        Findings findings = new Findings();
        for (RuleFamily rule : RULES) {
            rule.check(ctx, findings);
        }
        List<Violation> violations = new ArrayList<>(schema);
        Set<String> schemaPaths = new HashSet<>();
        schema.forEach(v -> schemaPaths.add(v.path()));
        findings.violations().stream().filter(v -> !schemaPaths.contains(v.path())).forEach(violations::add);
        List<Warning> warnings = new ArrayList<>(findings.warnings());
        if (operation == Operation.UPDATE && ctx.oldSpecTree() != null) {
            ratchet(ctx, violations, warnings);
        }
        return new Verdict(Limits.cap(violations), Limits.capWarnings(warnings), mutated.patch(), findings.unchecked());
    }

    /*
     * What rules read from the old object (Context): its spec, name, namespace, and the status fields the state
     * machine uses. Binding the rest (managedFields, conditions, per-subcommand statuses) to the model cost more
     * than all the rules together. The webhook's reader keeps the same fields (ReviewReader), from these lists.
     */
    /** The top-level fields of the old object that rules read. */
    public static final List<String> OLD_FIELDS = List.of("apiVersion", "kind", "spec");
    /** The old object's metadata fields that rules read. */
    public static final List<String> OLD_METADATA_FIELDS = List.of("name", "namespace");
    /** The old object's status fields that rules read. */
    public static final List<String> OLD_STATUS_FIELDS = List.of("phase", "commitTs", "logSuccessTruncateUntil",
            "logSubCommandStatuses");

    private static JsonNode forRules(JsonNode old) {
        if (onlyRuleFields(old)) {
            return old; // the webhook's reader already kept only these fields
        }
        ObjectNode kept = Json.JSON.createObjectNode();
        copy(old, kept, OLD_FIELDS);
        if (old.get("metadata") instanceof ObjectNode metadata) {
            copy(metadata, kept.putObject("metadata"), OLD_METADATA_FIELDS);
        }
        if (old.get("status") instanceof ObjectNode status) {
            copy(status, kept.putObject("status"), OLD_STATUS_FIELDS);
        }
        return kept;
    }

    private static boolean onlyRuleFields(JsonNode old) {
        for (String f : old.propertyNames()) {
            JsonNode v = old.get(f);
            boolean kept = switch (f) {
                case "metadata" -> v.isObject() && only(v, OLD_METADATA_FIELDS);
                case "status" -> v.isObject() && only(v, OLD_STATUS_FIELDS);
                default -> OLD_FIELDS.contains(f);
            };
            if (!kept) {
                return false;
            }
        }
        return true;
    }

    private static boolean only(JsonNode object, List<String> fields) {
        for (String f : object.propertyNames()) {
            if (!fields.contains(f)) {
                return false;
            }
        }
        return true;
    }

    private static void copy(JsonNode from, ObjectNode to, List<String> fields) {
        for (String f : fields) {
            JsonNode v = from.get(f);
            if (v != null) {
                to.set(f, v);
            }
        }
    }

    /**
     * Ratcheting, as Kubernetes does for CRD validation: on UPDATE, a schema or field finding on a value the update
     * does not touch is not enforced. A Backup created before brguard, or before a rule tightened, must stay
     * pausable and stoppable even though its (immutable) container name breaks today's rules.
     */
    private static void ratchet(Context ctx, List<Violation> violations, List<Warning> warnings) {
        List<Violation> kept = new ArrayList<>();
        List<Violation> existing = new ArrayList<>();
        for (Violation v : violations) {
            boolean perField = v.ruleId().startsWith("schema.") || v.ruleId().startsWith("field.");
            (perField && !ctx.changed(pointer(v.path())) ? existing : kept).add(v);
        }
        if (!existing.isEmpty()) {
            violations.clear();
            violations.addAll(kept);
            warnings.add(Warning.fitted("warn.existing-violation", existing.get(0).path(),
                    existing.size() + " problem(s) in unchanged fields not enforced: " + existing.get(0).ruleId()));
        }
    }

    /** {@code spec.a.b[2]} to the JSON pointer {@code /a/b/2} inside the spec; {@code spec} itself is "". */
    static String pointer(String path) {
        if (!path.startsWith("spec")) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String part : path.substring(4).split("[.\\[\\]]+")) {
            if (!part.isEmpty()) {
                sb.append('/').append(PatchOp.escape(part));
            }
        }
        return sb.toString();
    }

    /**
     * The object with every empty string field of its spec dropped, as TiDB Operator reads it: BackupSpec's string
     * fields are plain Go strings with omitempty, so {@code logTruncateUntil: ""} or {@code prefix: ""} mean unset
     * (ParseLogBackupSubcommand compares logTruncateUntil with "", makeAzblobConfig trims the prefix). Values in
     * lists are kept. Returns {@code object} itself when there is nothing to drop; never changes it.
     */
    static JsonNode omitEmpty(JsonNode object) {
        JsonNode spec = object.get("spec");
        if (!(spec instanceof ObjectNode) || !hasEmptyString(spec)) {
            return object;
        }
        ObjectNode copy = Json.JSON.createObjectNode();
        copy.setAll((ObjectNode) object);
        ObjectNode specCopy = ((ObjectNode) spec).deepCopy();
        dropEmptyStrings(specCopy);
        copy.set("spec", specCopy);
        return copy;
    }

    private static boolean hasEmptyString(JsonNode node) {
        for (JsonNode v : node) {
            if (v.isString() && v.asString().isEmpty() || v.isObject() && hasEmptyString(v)) {
                return true;
            }
        }
        return false;
    }

    private static void dropEmptyStrings(ObjectNode node) {
        List<String> empty = new ArrayList<>();
        for (var e : node.properties()) {
            JsonNode v = e.getValue();
            if (v.isString() && v.asString().isEmpty()) {
                empty.add(e.getKey());
            } else if (v instanceof ObjectNode o) {
                dropEmptyStrings(o);
            }
        }
        node.remove(empty);
    }

    private static Verdict deny(Violation v) {
        return new Verdict(List.of(v), List.of(), List.of(), List.of());
    }

}
