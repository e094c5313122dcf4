package io.brguard.policy.restore;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Operation;
import io.brguard.policy.Specs;
import io.brguard.policy.model.AzblobStorageProvider;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSpec;
import io.brguard.policy.model.RestoreSpec;
import io.brguard.policy.model.StorageProvider;
import io.brguard.policy.rules.CredentialRules;
import io.brguard.policy.rules.FieldRules;
import io.brguard.policy.rules.RiskWarnings;
import io.brguard.policy.rules.RuleFamily;
import io.brguard.policy.state.LogState;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The storage a Restore reads, judged by the Backup rules that apply to it, each finding on the Restore's own field:
 * the providers, container and prefix, the cluster name, the table filter and the db/table type (ValidateRestore has
 * ValidateBackup's), the Secret and its keys (GenerateStorageCertEnv reads it in the Restore's namespace) and the
 * Backup warnings that hold for a restore. The full backup of a PITR is judged as storage too, its findings moved
 * under {@code spec.pitrFullBackupStorageProvider}; its credentials are not its own (see below).
 */
public final class RestoreStorageRules implements RuleFamily<RestoreContext> {
    public static final String FULL_BACKUP_CREDENTIALS = "warn.restore-full-creds";

    /** The Backup families that apply to the storage a Restore reads. */
    static final List<RuleFamily<Context>> STORAGE_RULES = List.of(new FieldRules(), new CredentialRules(), new RiskWarnings());
    /**
     * Backup findings that do not hold for a restore: the Backup's own Job name, a tier (only uploads set one), a
     * prefix at the container root (a Restore reads wherever its Backup wrote), the backup commands' flags
     * (--lastbackupts, the log commands' --filter, backup db/table without --filter: BR's restore commands have
     * their own, judged by RestoreFieldRules), and the cluster's namespace (restore.cluster-namespace says it for
     * Restores).
     */
    static final Set<String> NOT_FOR_RESTORES = Set.of("field.name-too-long", "field.access-tier", "warn.prefix-root",
            "field.lastbackupts", "field.snapshot-only", "field.log-table-filter", "field.table-filter-type",
            "field.cluster-namespace");

    @Override
    public void check(RestoreContext ctx, Findings out) {
        RestoreSpec spec = ctx.spec();
        BackupSpec main = new BackupSpec();
        main.setAzblob(spec.getAzblob());
        main.setS3(spec.getS3());
        main.setGcs(spec.getGcs());
        main.setLocal(spec.getLocal());
        main.setBr(spec.getBr());
        main.setTableFilter(spec.getTableFilter());
        main.setBackupType(spec.getBackupType());
        out.addRebased(judge(ctx, main, STORAGE_RULES), "spec", "spec", NOT_FOR_RESTORES);
        boolean typed = "db".equals(spec.getBackupType()) || "table".equals(spec.getBackupType());
        if (typed && spec.getTableFilter() != null && !spec.getTableFilter().isEmpty() && spec.getBr() != null
                && (!Specs.isBlank(spec.getBr().getDb()) || !Specs.isBlank(spec.getBr().getTable()))) {
            // For a Backup field.table-filter-type denies this; a restore runs with the filter and without --db
            // (ConstructBRGlobalOptionsForRestore returns before it), so br.db and br.table are only ignored.
            out.warn("warn.db-table-ignored", "spec.br.db", "br.db and br.table are ignored when tableFilter is set");
        }
        if (ctx.isPitr() && ctx.restoresFullBackup()) {
            StorageProvider p = spec.getPitrFullBackupStorageProvider();
            BackupSpec full = new BackupSpec();
            full.setAzblob(p.getAzblob());
            full.setS3(p.getS3());
            full.setGcs(p.getGcs());
            full.setLocal(p.getLocal());
            out.addRebased(judge(ctx, full, List.of(new FieldRules())), "spec", "spec.pitrFullBackupStorageProvider",
                    NOT_FOR_RESTORES);
            fullBackupCredentials(spec.getAzblob(), p.getAzblob(), out);
        }
    }

    /** What the Backup families find in this storage, as a new Backup's in the Restore's namespace. */
    private static Findings judge(RestoreContext ctx, BackupSpec spec, List<RuleFamily<Context>> rules) {
        Backup probe = new Backup();
        probe.getMetadata().setNamespace(ctx.namespace());
        probe.getMetadata().setName(ctx.name());
        probe.setSpec(spec);
        Context c = new Context(Operation.CREATE, null, probe, null, ctx.newSpecTree(), LogState.of(null),
                ctx.lookups(), ctx.config());
        Findings found = new Findings();
        rules.forEach(r -> r.check(c, found));
        return found;
    }

    /**
     * TiDB Operator sets the Job's credentials from spec.azblob alone (GenerateStorageCertEnv(restore.Spec.
     * StorageProvider), restore_manager.go) and passes the full backup to BR as a URL with only its storageAccount
     * and sasToken (GenStorageArgsForFlag "full-backup-storage", remote.go newAzblobStorageOptionForFlag): the full
     * backup's secretName is never read, and BR reads it with the log storage's key or AAD identity.
     */
    private static void fullBackupCredentials(AzblobStorageProvider log, AzblobStorageProvider full, Findings out) {
        if (log == null || full == null) {
            return;
        }
        String path = "spec.pitrFullBackupStorageProvider.azblob";
        if (!Specs.isBlank(full.getSecretName()) && !full.getSecretName().equals(log.getSecretName())) {
            out.warn(FULL_BACKUP_CREDENTIALS, path + ".secretName", "ignored: spec.azblob's Secret is used");
        }
        if (!Specs.isBlank(full.getStorageAccount()) && Specs.isBlank(full.getSasToken())
                && !Objects.equals(full.getStorageAccount(), log.getStorageAccount())) {
            out.warn(FULL_BACKUP_CREDENTIALS, path + ".storageAccount", "spec.azblob's credentials are used");
        }
    }
}
