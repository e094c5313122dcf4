package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Specs;
import io.brguard.policy.model.BackupSpec;

/** Legal specs that are probably not what the author meant. Warnings only, each at most 120 characters. */
public final class RiskWarnings implements RuleFamily<Context> {

    @Override
    public void check(Context ctx, Findings out) {
        BackupSpec spec = ctx.spec();
        boolean log = Specs.isLog(spec);
        if (log && spec.getBackupType() != null) {
            out.warn("warn.backup-type-on-log", "spec.backupType", "ignored for backupMode: log");
        }
        boolean hasFilter = spec.getTableFilter() != null && !spec.getTableFilter().isEmpty();
        boolean dbOrTable = spec.getBr() != null && (!Specs.isBlank(spec.getBr().getDb()) || !Specs.isBlank(spec.getBr().getTable()));
        boolean typed = "db".equals(spec.getBackupType()) || "table".equals(spec.getBackupType());
        if (hasFilter && dbOrTable && (log || !typed)) { // with backupType db/table, FieldRules denies the filter
            out.warn("warn.db-table-ignored", "spec.br.db", "br.db and br.table are ignored when tableFilter is set");
        } else if (dbOrTable && !log && "full".equals(spec.getBackupType())) {
            // TiDB Operator passes --db/--table to BR only for backupType db and table; BR's full backup has neither.
            out.warn("warn.db-table-ignored", "spec.br.db", "br.db and br.table are ignored for backupType full: "
                    + "the whole cluster is backed up");
        }
        if (spec.getAzblob() != null && spec.getAzblob().getPath() != null) {
            out.warn("warn.azblob-path-ignored", "spec.azblob.path", "ignored by BR; use container and prefix");
        }
        if (log && "Delete".equals(spec.getCleanPolicy())) {
            out.warn("warn.delete-log-data", "spec.cleanPolicy", "Delete: deleting this Backup removes all its log data");
        }
    }
}
