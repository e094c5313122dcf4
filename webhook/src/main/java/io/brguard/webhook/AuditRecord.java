package io.brguard.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One line of the audit log: one decision, allowed ones too. Documented in docs/audit-log.md and checked against
 * audit-log.schema.json in tests. Holds rule ids and policy messages, never an object or a Secret value.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditRecord(String time, String uid, String endpoint, String user, List<String> groups,
                          String operation, String namespace, String name, boolean dryRun,
                          String oldLogSubcommand, String newLogSubcommand, String oldPhase,
                          String decision, List<String> rules, List<String> messages, List<String> warnings,
                          Integer patchOperations, double latencyMs) {

    public AuditRecord withLatency(double ms) {
        return new AuditRecord(time, uid, endpoint, user, groups, operation, namespace, name, dryRun,
                oldLogSubcommand, newLogSubcommand, oldPhase, decision, rules, messages, warnings, patchOperations, ms);
    }
}
