package io.brguard.policy.schedule;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Json;
import io.brguard.policy.Operation;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSpec;
import io.brguard.policy.rules.CredentialRules;
import io.brguard.policy.rules.FieldRules;
import io.brguard.policy.rules.RiskWarnings;
import io.brguard.policy.rules.RuleFamily;
import io.brguard.policy.rules.TransitionRules;
import io.brguard.policy.state.LogState;
import tools.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A template is the spec of every Backup the schedule creates, so it is judged by the Backup rules a new Backup
 * meets (fields, the log-start a new log backup needs, credentials, risk warnings), each finding moved to the
 * template's field ({@code spec.backupTemplate.azblob.container}). The Job-name length is judged on the schedule's
 * name instead (schedule.name-too-long), and the rules between Backups by {@link ScheduleCrossRules}.
 */
public final class ScheduleTemplateRules implements RuleFamily<ScheduleContext> {
    /** The Backup families a template meets, as a new Backup would. */
    static final List<RuleFamily<Context>> BACKUP_RULES = List.of(
            new FieldRules(), new TransitionRules(), new CredentialRules(), new RiskWarnings());
    private static final Set<String> SKIP = Set.of("field.name-too-long");

    @Override
    public void check(ScheduleContext ctx, Findings out) {
        for (String t : SchedulePolicy.TEMPLATES) {
            JsonNode tree = ctx.newSpecTree().path(t);
            BackupSpec template = t.equals("backupTemplate") ? ctx.spec().getBackupTemplate() : ctx.spec().getLogBackupTemplate();
            if (template == null || !tree.isObject()) {
                continue;
            }
            Backup asBackup = new Backup();
            asBackup.getMetadata().setNamespace(ctx.namespace());
            asBackup.getMetadata().setName(t.equals("backupTemplate")
                    ? ScheduledBackups.snapshotName(ctx.name(), Instant.EPOCH) : ScheduledBackups.logName(ctx.name()));
            asBackup.setSpec(Json.JSON.convertValue(template, BackupSpec.class));
            Context c = new Context(Operation.CREATE, null, asBackup, null, tree, LogState.of(null), ctx.lookups(), ctx.config());
            Findings found = new Findings();
            for (RuleFamily<Context> rule : BACKUP_RULES) {
                rule.check(c, found);
            }
            out.addRebased(found, "spec", "spec." + t, SKIP);
        }
    }
}
