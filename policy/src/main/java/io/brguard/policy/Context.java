package io.brguard.policy;

import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSpec;
import io.brguard.policy.state.LogState;
import tools.jackson.databind.JsonNode;

/**
 * The input of every rule: the operation, the old object (with status) and the new one, both after defaulting,
 * the old state, the lookups and the config. Read-only. {@code oldBackup} carries only the old spec, name,
 * namespace and status phase, commitTs and logSuccessTruncateUntil (Policy.forRules): a rule that needs more of
 * the old object must add it there.
 */
public record Context(Operation operation, Backup oldBackup, Backup newBackup, JsonNode oldSpecTree,
                      JsonNode newSpecTree, LogState oldState, Lookups lookups, PolicyConfig config) {

    public BackupSpec spec() {
        return newBackup.getSpec();
    }

    public BackupSpec oldSpec() {
        return oldBackup == null ? null : oldBackup.getSpec();
    }

    public boolean isCreate() {
        return operation == Operation.CREATE;
    }

    public String namespace() {
        return Specs.namespace(newBackup);
    }

    public String name() {
        return Specs.name(newBackup);
    }

    public boolean isLog() {
        return Specs.isLog(spec());
    }

    /** Whether the spec field at the JSON pointer differs between old and new (always true on CREATE). */
    public boolean changed(String pointer) {
        if (oldSpecTree == null) {
            return true;
        }
        return !Json.sameMeaning(oldSpecTree.at(pointer), newSpecTree.at(pointer));
    }
}
