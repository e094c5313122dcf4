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
import tools.jackson.databind.JsonNode;

import java.util.List;

/** The Backup kind: TiDB Operator v2's defaults, the Backup spec schema, and the Backup rule families. */
public final class BackupPolicy extends KindPolicy<Context> {

    /** Every Backup rule family, in the order their findings are reported. */
    public static final List<RuleFamily<Context>> RULES = List.of(
            new FieldRules(),
            new TransitionRules(),
            new ImmutableRules(),
            new CredentialRules(),
            new CrossObjectRules(),
            new PitrGuard(),
            new RiskWarnings());

    /*
     * What rules read from the old object (Context): its spec, name, namespace, and the status fields the state
     * machine uses. Binding the rest (managedFields, conditions, per-subcommand statuses) to the model cost more
     * than all the rules together.
     */
    private static final OldFields OLD = new OldFields(List.of("apiVersion", "kind", "spec"), List.of("name", "namespace"),
            List.of("phase", "commitTs", "logSuccessTruncateUntil", "logSubCommandStatuses"));

    public BackupPolicy() {
        super(Backup.KIND, "backups", SpecSchema.BACKUP);
    }

    @Override
    public List<RuleFamily<Context>> rules() {
        return RULES;
    }

    @Override
    public Mutator.Result defaults(JsonNode object) {
        return Mutator.mutate(object);
    }

    @Override
    public OldFields oldFields() {
        return OLD;
    }

    @Override
    protected Context context(Operation op, JsonNode oldTree, JsonNode newTree, Lookups lookups, PolicyConfig config) {
        Backup newBackup = Json.toBackup(newTree);
        Backup oldBackup = oldTree == null ? null : Json.toBackup(oldTree);
        JsonNode oldSpec = oldTree == null ? null : oldTree.path("spec");
        return new Context(op, oldBackup, newBackup, oldSpec == null || oldSpec.isMissingNode() ? null : oldSpec,
                newTree.path("spec"), LogState.of(oldBackup), lookups, config);
    }
}
