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

    /** The Backup CRD's two rules on logStop and logSubcommand (manifests/crd/br.pingcap.com_backups.yaml). */
    @Override
    protected List<Violation> crdRules(JsonNode spec) {
        return logStopRules(spec, "spec");
    }

    /**
     * {@code has(self.logSubcommand) ? !has(self.logStop) : true} and its mirror, the rules of TiDB Operator v2's
     * CRD on a Backup spec and on a BackupSchedule's templates: present means set, even to "" or false.
     */
    public static List<Violation> logStopRules(JsonNode spec, String path) {
        if (spec.has("logStop") && !spec.get("logStop").isNull() && spec.has("logSubcommand") && !spec.get("logSubcommand").isNull()) {
            return List.of(new Violation("field.log-stop-conflict", path + ".logStop", "logStop and logSubcommand are both "
                    + "set; the CRD refuses it: Field `logStop` is the old version field, please use `logSubcommand` instead",
                    null, "remove logStop (deprecated) and keep logSubcommand"));
        }
        return List.of();
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
