package io.brguard.policy.schedule;

import io.brguard.policy.Json;
import io.brguard.policy.KindPolicy;
import io.brguard.policy.Lookups;
import io.brguard.policy.Mutator;
import io.brguard.policy.Operation;
import io.brguard.policy.PatchOp;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.SpecSchema;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.rules.RuleFamily;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The BackupSchedule kind (br.pingcap.com/v1alpha1, TiDB Operator v2's type, carried out by brguard's controller
 * since v2 reconciles none): its spec schema, its templates' defaults, and its rule families.
 */
public final class SchedulePolicy extends KindPolicy<ScheduleContext> {

    /** Every BackupSchedule rule family, in the order their findings are reported. */
    public static final List<RuleFamily<ScheduleContext>> RULES = List.of(
            new ScheduleFieldRules(),
            new ScheduleTemplateRules(),
            new ScheduleCrossRules(),
            new ScheduleTransitionRules(),
            new ScheduleWarnings());

    /** The templates, each a Backup spec. */
    public static final List<String> TEMPLATES = List.of("backupTemplate", "logBackupTemplate");

    private static final OldFields OLD = new OldFields(List.of("apiVersion", "kind", "spec"),
            List.of("name", "namespace"), List.of("logBackup", "lastBackup"));

    public SchedulePolicy() {
        super(BackupSchedule.KIND, "backupschedules", SpecSchema.SCHEDULE);
    }

    @Override
    public List<RuleFamily<ScheduleContext>> rules() {
        return RULES;
    }

    /** Each template gets a Backup's defaults, as the CRD's schema gives them to the templates too. */
    @Override
    public Mutator.Result defaults(JsonNode object) {
        ObjectNode input = (ObjectNode) object;
        if (!(input.get("spec") instanceof ObjectNode spec)) {
            return new Mutator.Result(List.of(), input);
        }
        List<PatchOp> ops = new ArrayList<>();
        ObjectNode newSpec = spec;
        for (String t : TEMPLATES) {
            if (spec.get(t) instanceof ObjectNode template) {
                ObjectNode defaulted = Mutator.defaultSpec(template, "/spec/" + t, ops);
                if (defaulted != template) {
                    if (newSpec == spec) {
                        newSpec = JsonNodeFactory.instance.objectNode();
                        newSpec.setAll(spec);
                    }
                    newSpec.set(t, defaulted);
                }
            }
        }
        if (newSpec == spec) {
            return new Mutator.Result(List.of(), input);
        }
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        copy.setAll(input);
        copy.set("spec", newSpec);
        return new Mutator.Result(List.copyOf(ops), copy);
    }

    /** Schedules are not mutated: the API server applies the CRD's defaults, and each child is defaulted when created. */
    @Override
    public Mutator.Result mutate(JsonNode object) {
        return new Mutator.Result(List.of(), (ObjectNode) object);
    }

    /** The CRD repeats the Backup spec's rules on logStop and logSubcommand in each template. */
    @Override
    protected List<io.brguard.policy.Violation> crdRules(JsonNode spec) {
        List<io.brguard.policy.Violation> out = new ArrayList<>();
        for (String t : TEMPLATES) {
            if (spec.get(t) instanceof ObjectNode template) {
                out.addAll(io.brguard.policy.BackupPolicy.logStopRules(template, "spec." + t));
            }
        }
        return out;
    }

    @Override
    public OldFields oldFields() {
        return OLD;
    }

    /** Everything but the transition rules judges the schedule as it stands, so untouched fields are ratcheted. */
    @Override
    protected boolean perField(String ruleId) {
        return !ruleId.startsWith(ScheduleTransitionRules.PREFIX);
    }

    @Override
    protected ScheduleContext context(Operation op, JsonNode oldTree, JsonNode newTree, Lookups lookups, PolicyConfig config) {
        BackupSchedule schedule = Json.toSchedule(newTree);
        BackupSchedule old = oldTree == null ? null : Json.toSchedule(oldTree);
        JsonNode oldSpec = oldTree == null ? null : oldTree.path("spec");
        return new ScheduleContext(op, old, schedule, oldSpec == null || oldSpec.isMissingNode() ? null : oldSpec,
                newTree.path("spec"), lookups, config);
    }
}
