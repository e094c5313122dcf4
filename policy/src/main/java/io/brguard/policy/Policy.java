package io.brguard.policy;

import io.brguard.policy.model.Backup;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/**
 * The decision: (operation, old object, new object, lookups) -> Verdict. Pure: no I/O, no clock. The webhook, the
 * offline checker and the controller all call this one function; it hands each object to its kind in
 * {@link Kinds}.
 */
public final class Policy {

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
            return KindPolicy.deny(new Violation("schema.invalid", "(object)", "not a JSON object", null,
                    "send a Backup object"));
        }
        Optional<KindPolicy<?>> kind = Kinds.of(newObject);
        if (kind.isEmpty()) {
            return KindPolicy.deny(new Violation("schema.invalid", "kind", "not a kind brguard judges",
                    newObject.get("kind").toString(), "send one of " + String.join(", ", Kinds.ALL.stream()
                            .map(KindPolicy::kind).toList())));
        }
        return kind.get().decide(operation, oldObject, newObject, lookups, config);
    }
}
