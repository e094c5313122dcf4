package io.brguard.policy.schedule;

import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Operation;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.Specs;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.model.BackupScheduleSpec;
import tools.jackson.databind.JsonNode;

/**
 * The input of every BackupSchedule rule: the operation, the old schedule (spec, name and the status fields in
 * {@link SchedulePolicy}'s old fields) and the new one, both defaulted, with their spec trees, the lookups and the
 * config. Read-only.
 */
public record ScheduleContext(Operation operation, BackupSchedule oldSchedule, BackupSchedule schedule,
                              JsonNode oldSpecTree, JsonNode newSpecTree, Lookups lookups, PolicyConfig config) {

    public BackupScheduleSpec spec() {
        return schedule.getSpec();
    }

    public BackupScheduleSpec oldSpec() {
        return oldSchedule == null ? null : oldSchedule.getSpec();
    }

    public String namespace() {
        return Specs.namespace(schedule);
    }

    public String name() {
        return Specs.name(schedule);
    }

    public boolean isCreate() {
        return operation == Operation.CREATE;
    }

    /** Whether the spec field at the JSON pointer differs between old and new (always true on CREATE). */
    public boolean changed(String pointer) {
        return oldSpecTree == null || !Json.sameMeaning(oldSpecTree.at(pointer), newSpecTree.at(pointer));
    }

    /** The name of the schedule's log backup as its status gives it, or null. */
    public String oldLogBackup() {
        if (oldSchedule == null || oldSchedule.getStatus() == null) {
            return null;
        }
        String name = oldSchedule.getStatus().getLogBackup();
        return Specs.isBlank(name) ? null : name;
    }
}
