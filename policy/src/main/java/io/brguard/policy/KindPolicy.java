package io.brguard.policy;

import io.brguard.policy.rules.RuleFamily;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How brguard judges one kind (Backup, BackupSchedule, ...): its defaulting, its spec schema, the context its rules
 * read and its rule families, listed once in {@link Kinds}. The steps of a decision are the same for every kind
 * and live here: bound the spec's size, default old and new, allow an unchanged spec, validate the schema, bind,
 * run every family, ratchet findings on untouched fields, cap the answer.
 *
 * @param <C> the context the kind's rule families read
 */
public abstract class KindPolicy<C> {
    private final String kind;
    private final String plural;
    private final SpecSchema schema;

    protected KindPolicy(String kind, String plural, SpecSchema schema) {
        this.kind = kind;
        this.plural = plural;
        this.schema = schema;
    }

    /** The kind, e.g. {@code Backup}. */
    public final String kind() {
        return kind;
    }

    /** The resource name in webhook rules and RBAC, e.g. {@code backups}. */
    public final String plural() {
        return plural;
    }

    public final SpecSchema schema() {
        return schema;
    }

    /** The kind's rule families, in the order their findings are reported. */
    public abstract List<? extends RuleFamily<C>> rules();

    /**
     * The kind's defaulting as a JSON Patch (the CRD's defaults and brguard's): applied to both old and new before
     * they are compared, so a default is never mistaken for an edit. Never changes its input.
     */
    public abstract Mutator.Result defaults(JsonNode object);

    /** The mutating webhook's patch for a new object of this kind (empty when the kind is not mutated). */
    public Mutator.Result mutate(JsonNode object) {
        return defaults(object);
    }

    /** What the rules read of the old object, as top-level, metadata and status field names. */
    public abstract OldFields oldFields();

    /** Fields of the old object that rules read; the webhook's reader keeps these and skips the rest. */
    public record OldFields(List<String> top, List<String> metadata, List<String> status) {
    }

    /**
     * Binds the defaulted trees into the rules' context; a spec that does not bind throws (the schema names why).
     * {@code oldTree} carries only the {@link #oldFields()}.
     */
    protected abstract C context(Operation op, JsonNode oldTree, JsonNode newTree, Lookups lookups, PolicyConfig config);

    /**
     * The CRD's own validation rules (x-kubernetes-validations), on the spec as the API server checks them: after
     * defaulting and mutation, before empty strings read as unset (CEL's {@code has()} is true for a field set to "").
     */
    protected List<Violation> crdRules(JsonNode spec) {
        return List.of();
    }

    /** Whether a rule judges one field on its own, so that an unchanged value is not enforced on UPDATE (ratcheting). */
    protected boolean perField(String ruleId) {
        return ruleId.startsWith("schema.") || ruleId.startsWith("field.");
    }

    /** The decision on raw object trees of this kind; DELETE is decided by {@link Policy}. */
    public final Verdict decide(Operation operation, JsonNode oldObject, JsonNode newObject, Lookups lookups,
                                PolicyConfig config) {
        if (!newObject.path("spec").isObject()) {
            return deny(new Violation("schema.invalid", "spec", "required field is missing or not an object", null,
                    "add the spec of the " + kind));
        }
        Violation tooLarge = SpecSize.check(newObject.get("spec"));
        if (tooLarge != null) {
            return deny(tooLarge); // nothing else is judged: a bound on what one request can make the rules do
        }
        Mutator.Result mutated = defaults(newObject);
        List<Violation> crd = crdRules(mutated.mutated().path("spec"));
        JsonNode newTree = omitEmpty(mutated.mutated());
        JsonNode oldTree = oldObject != null && oldObject.isObject() ? omitEmpty(defaults(oldObject).mutated()) : null;
        if (operation == Operation.UPDATE && oldTree != null && Json.sameMeaning(oldTree.path("spec"), newTree.path("spec"))) {
            return Verdict.allow(mutated.patch());
        }
        List<Violation> schemaErrors = schema.errors(newTree.get("spec"));
        C ctx;
        try {
            ctx = context(operation, oldTree == null ? null : forRules(oldTree), newTree, lookups, config);
        } catch (JacksonException e) {
            // A type error the schema already names: nothing else can be judged on a spec that does not bind.
            return schemaErrors.isEmpty()
                    ? deny(new Violation("schema.invalid", "spec", "a value has the wrong type", Json.describe(e), "fix the types"))
                    : new Verdict(Limits.cap(concat(schemaErrors, crd)), List.of(), mutated.patch(), List.of());
        }
        Findings findings = new Findings();
        for (RuleFamily<C> rule : rules()) {
            rule.check(ctx, findings);
        }
        List<Violation> violations = new ArrayList<>(schemaErrors);
        violations.addAll(crd);
        Set<String> schemaPaths = new HashSet<>();
        schemaErrors.forEach(v -> schemaPaths.add(v.path()));
        findings.violations().stream().filter(v -> !schemaPaths.contains(v.path())).forEach(violations::add);
        List<Warning> warnings = new ArrayList<>(findings.warnings());
        JsonNode oldSpec = oldTree == null ? null : oldTree.path("spec");
        if (operation == Operation.UPDATE && oldSpec != null && oldSpec.isObject()) {
            ratchet(oldSpec, newTree.path("spec"), violations, warnings);
        }
        return new Verdict(Limits.cap(violations), Limits.capWarnings(warnings), mutated.patch(), findings.unchecked());
    }

    /**
     * Ratcheting, as Kubernetes does for CRD validation: on UPDATE, a per-field finding on a value the update does
     * not touch is not enforced. An object created before brguard, or before a rule tightened, must stay editable
     * (a Backup pausable and stoppable) even though an immutable field breaks today's rules.
     */
    private void ratchet(JsonNode oldSpec, JsonNode newSpec, List<Violation> violations, List<Warning> warnings) {
        List<Violation> kept = new ArrayList<>();
        List<Violation> existing = new ArrayList<>();
        for (Violation v : violations) {
            String p = pointer(v.path());
            boolean unchanged = Json.sameMeaning(oldSpec.at(p), newSpec.at(p));
            (perField(v.ruleId()) && unchanged ? existing : kept).add(v);
        }
        if (!existing.isEmpty()) {
            violations.clear();
            violations.addAll(kept);
            warnings.add(Warning.fitted("warn.existing-violation", existing.get(0).path(),
                    existing.size() + " problem(s) in unchanged fields not enforced: " + existing.get(0).ruleId()));
        }
    }

    /** The old object with only {@link #oldFields()}: binding the rest cost more than all the rules together. */
    private JsonNode forRules(JsonNode old) {
        OldFields f = oldFields();
        if (onlyRuleFields(old, f)) {
            return old; // the webhook's reader already kept only these fields
        }
        ObjectNode kept = Json.JSON.createObjectNode();
        copy(old, kept, f.top());
        if (old.get("metadata") instanceof ObjectNode metadata) {
            copy(metadata, kept.putObject("metadata"), f.metadata());
        }
        if (old.get("status") instanceof ObjectNode status) {
            copy(status, kept.putObject("status"), f.status());
        }
        return kept;
    }

    private static boolean onlyRuleFields(JsonNode old, OldFields fields) {
        for (String f : old.propertyNames()) {
            JsonNode v = old.get(f);
            boolean kept = switch (f) {
                case "metadata" -> v.isObject() && only(v, fields.metadata());
                case "status" -> v.isObject() && only(v, fields.status());
                default -> fields.top().contains(f);
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
     * The object with every empty string field of its spec dropped, as TiDB Operator reads it: the string fields of
     * its specs are plain Go strings with omitempty, so {@code logTruncateUntil: ""} or {@code prefix: ""} mean
     * unset (ParseLogBackupSubcommand compares logTruncateUntil with "", makeAzblobConfig trims the prefix). Values
     * in lists are kept. Returns {@code object} itself when there is nothing to drop; never changes it.
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

    private static List<Violation> concat(List<Violation> a, List<Violation> b) {
        List<Violation> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static Verdict deny(Violation v) {
        return new Verdict(List.of(v), List.of(), List.of(), List.of());
    }
}
