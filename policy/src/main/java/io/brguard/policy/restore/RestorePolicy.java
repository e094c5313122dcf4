package io.brguard.policy.restore;

import io.brguard.policy.Json;
import io.brguard.policy.KindPolicy;
import io.brguard.policy.Lookups;
import io.brguard.policy.Mutator;
import io.brguard.policy.Operation;
import io.brguard.policy.PatchOp;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.SpecSchema;
import io.brguard.policy.model.Restore;
import io.brguard.policy.rules.RuleFamily;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The Restore kind (br.pingcap.com/v1alpha1, reconciled by TiDB Operator v2's restore controller): its spec schema,
 * the CRD's defaults, and its rule families: the checks of ValidateRestore and what the Job would pass BR, the
 * storage it reads (judged by the Backup rules), the Backups that storage belongs to and the PITR window they
 * cover, the cluster it restores into, and the run-once rule.
 */
public final class RestorePolicy extends KindPolicy<RestoreContext> {

    /** Every Restore rule family, in the order their findings are reported. */
    public static final List<RuleFamily<RestoreContext>> RULES = List.of(
            new RestoreFieldRules(),
            new RestoreStorageRules(),
            new RestoreSourceRules(),
            new RestoreTargetRules(),
            new RestoreTransitionRules());

    private static final OldFields OLD = new OldFields(List.of("apiVersion", "kind", "spec"),
            List.of("name", "namespace"), List.of("phase"));

    public RestorePolicy() {
        super(Restore.KIND, "restores", SpecSchema.RESTORE);
    }

    @Override
    public List<RuleFamily<RestoreContext>> rules() {
        return RULES;
    }

    /**
     * The CRD's defaults (manifests/crd/br.pingcap.com_restores.yaml: restoreMode snapshot, tolerateSingleTiKVOutage
     * false, backoffLimit 0), so that a Restore from Git, which leaves them out, and the same Restore as the API server
     * returns it compare as equal.
     */
    @Override
    public Mutator.Result defaults(JsonNode object) {
        ObjectNode input = (ObjectNode) object;
        if (!(input.get("spec") instanceof ObjectNode spec)) {
            return new Mutator.Result(List.of(), input);
        }
        List<PatchOp> ops = new ArrayList<>(3);
        ObjectNode copy = null;
        if (absent(spec, "restoreMode")) {
            copy = set(copy, spec, "restoreMode", StringNode.valueOf("snapshot"), ops);
        }
        if (absent(spec, "tolerateSingleTiKVOutage")) {
            copy = set(copy, spec, "tolerateSingleTiKVOutage", BooleanNode.FALSE, ops);
        }
        if (absent(spec, "backoffLimit")) {
            copy = set(copy, spec, "backoffLimit", IntNode.valueOf(0), ops);
        }
        if (copy == null) {
            return new Mutator.Result(List.of(), input);
        }
        ObjectNode defaulted = JsonNodeFactory.instance.objectNode();
        defaulted.setAll(input);
        defaulted.set("spec", copy);
        return new Mutator.Result(List.copyOf(ops), defaulted);
    }

    /** Restores are not mutated: the API server applies the CRD's defaults, and brguard adds none of its own. */
    @Override
    public Mutator.Result mutate(JsonNode object) {
        return new Mutator.Result(List.of(), (ObjectNode) object);
    }

    @Override
    public OldFields oldFields() {
        return OLD;
    }

    @Override
    protected RestoreContext context(Operation op, JsonNode oldTree, JsonNode newTree, Lookups lookups, PolicyConfig config) {
        Restore restore = Json.toRestore(newTree);
        Restore old = oldTree == null ? null : Json.toRestore(oldTree);
        JsonNode oldSpec = oldTree == null ? null : oldTree.path("spec");
        return new RestoreContext(op, old, restore, oldSpec == null || oldSpec.isMissingNode() ? null : oldSpec,
                newTree.path("spec"), lookups, config);
    }

    /** Absent as TiDB Operator reads it: missing, null, or "" (its Go fields are plain values, omitempty). */
    private static boolean absent(ObjectNode spec, String field) {
        JsonNode v = spec.get(field);
        return v == null || v.isNull() || v.isString() && v.asString().isEmpty();
    }

    private static ObjectNode set(ObjectNode copy, ObjectNode spec, String field, JsonNode value, List<PatchOp> ops) {
        ObjectNode target = copy;
        if (target == null) {
            target = JsonNodeFactory.instance.objectNode();
            target.setAll(spec);
        }
        target.set(field, value);
        ops.add(PatchOp.add("/spec/" + field, value));
        return target;
    }
}
