package io.brguard.policy;

import io.brguard.policy.restore.RestoreFieldRules;
import io.brguard.policy.restore.RestoreSourceRules;
import io.brguard.policy.restore.RestoreStorageRules;
import io.brguard.policy.restore.RestoreTargetRules;
import io.brguard.policy.restore.RestoreTransitionRules;
import io.brguard.policy.rules.TransitionRules;
import io.brguard.policy.schedule.ScheduleFieldRules;
import io.brguard.policy.schedule.ScheduleTransitionRules;
import io.brguard.policy.state.TransitionTable;

import java.util.LinkedHashMap;
import java.util.Map;

/** Every rule id brguard can emit, with one line on what it checks. docs/rules.md documents each (a test checks). */
public final class RuleCatalog {

    /** A rule id and the family (the class) that owns it. */
    public record Entry(String id, String family, String what) {
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        add("schema.invalid", "SpecSchema", "the spec does not match its kind's JSON Schema");
        add("schema.too-large", "SpecSize", "the spec stays within the size brguard judges (values, list entries, fields, depth)");
        add("field.storage-provider", "FieldRules", "exactly one storage provider is set");
        add("field.container", "FieldRules", "azblob.container follows Azure's container naming rules");
        add("field.prefix", "FieldRules", "azblob.prefix has no '..' or '.' segment");
        add("field.access-tier", "FieldRules", "azblob.accessTier is a tier BR maps (Hot, hot, Cool, cool) or Cold");
        add("field.timestamp", "FieldRules", "log commitTs and logTruncateUntil are a TSO or RFC 3339; a snapshot commitTs a TSO or datetime");
        add("field.table-filter", "FieldRules", "every tableFilter rule follows TiDB table-filter syntax");
        add("field.lastbackupts", "FieldRules", "--lastbackupts in br.options is a TSO");
        add("field.log-stop-conflict", "FieldRules", "logStop and logSubcommand are not both set");
        add("field.backup-type-needs-db", "FieldRules", "backupType db/table come with br.db/br.table");
        add("field.log-only", "FieldRules", "log fields are only set on backupMode: log");
        add("field.cluster-name", "FieldRules", "br.cluster is a DNS-1123 label of at most 37 characters");
        add("field.name-too-long", "FieldRules", "TiDB Operator's Job names for the Backup fit in 63 characters");
        add("field.cluster-namespace", "FieldRules", "br.clusterNamespace, if set, is the Backup's own namespace");
        add("field.log-table-filter", "FieldRules", "no tableFilter on a log backup (only log start takes --filter)");
        add("field.snapshot-only", "FieldRules", "no br.timeAgo, --timeago, --lastbackupts or --backupts on a log backup");
        add("field.table-filter-type", "FieldRules", "no tableFilter with backupType db or table");
        add("field.retry-duration", "FieldRules", "backoffRetryPolicy durations are Go durations");
        add("field.azblob-encryption", "FieldRules", "not both an encryption scope and key, nor either with accessTier");
        add("field.provider-fields", "FieldRules", "an s3, gcs or local provider has the fields TiDB Operator requires");
        add(TransitionTable.CREATE, "TransitionRules", "a log backup is created with log-start");
        add(TransitionTable.PAUSE_NOT_RUNNING, "TransitionRules", "log-pause only once log-start succeeded and the task runs");
        add(TransitionTable.STOP_NOT_STARTED, "TransitionRules", "log-stop only once log-start succeeded (status.commitTs)");
        add(TransitionTable.RESUME_NEEDS_START, "TransitionRules", "a Paused task is resumed with log-start, not by removing logSubcommand");
        add(TransitionTable.STOPPED_TERMINAL, "TransitionRules", "Stopped is terminal; only logTruncateUntil may change");
        add(TransitionTable.FAILED_START, "TransitionRules", "a failed log-start cannot be resumed or changed");
        add(TransitionTable.FAILED_NO_RESUME, "TransitionRules", "a Failed task can only be stopped");
        add(TransitionTable.RETRYING, "TransitionRules", "a task in RetryFailed can only be stopped");
        add(TransitionTable.INVALID, "TransitionRules", "an Invalid Backup is not changed");
        add(TransitionTable.DELETING, "TransitionRules", "a Backup being cleaned is not changed");
        add(TransitionTable.UNKNOWN_PHASE, "TransitionRules", "from an unknown phase only log-stop is allowed");
        add("transition.unsupported-subcommand", "TransitionRules", "log-resume and log-truncate values are rejected");
        add(TransitionRules.NOT_RERUN, "TransitionRules", "a subcommand whose last run failed is not asked for again");
        add(TransitionRules.TRUNCATE_NEEDS_START, "TransitionRules", "logTruncateUntil only once log-start succeeded");
        add("transition.snapshot-started", "TransitionRules", "a started snapshot backup's spec does not change");
        add(TransitionRules.FILTER_BREAKS_COMMAND, "TransitionRules", "no pause, resume, truncate or stop while tableFilter is set");
        add(TransitionRules.COMMIT_TS_IGNORED, "TransitionRules", "commitTs of a started log backup does not change");
        add("immutable.field", "ImmutableRules", "mode, type, cluster, storage location and started filters are fixed");
        add("secret.no-credentials", "CredentialRules", "azblob has a secretName, or storageAccount with sasToken");
        add("secret.missing", "CredentialRules", "azblob.secretName exists in the Backup's namespace");
        add("secret.keys", "CredentialRules", "the Secret has an account and a key or all AAD keys");
        add("cross.cluster-missing", "CrossObjectRules", "br.cluster names a TiDB cluster that exists (when known)");
        add("cross.one-log-per-cluster", "CrossObjectRules", "one active log backup per TiDB cluster");
        add("cross.prefix-overlap", "CrossObjectRules", "no two Backups share or nest a container prefix");
        add("pitr.truncate-past-snapshot", "PitrGuard", "logTruncateUntil does not pass the newest Complete snapshot");
        add("warn.sas-token", "RiskWarnings", "sasToken sits in plain text in the spec");
        add("warn.aad-tikv", "RiskWarnings", "AAD credentials must also be injected into TiKV (the TiKVGroup)");
        add("warn.send-cred-off", "RiskWarnings", "shared key not sent to TiKV");
        add("warn.aad-incomplete", "RiskWarnings", "some but not all AAD keys in the Secret");
        add("warn.backup-type-on-log", "RiskWarnings", "backupType is ignored in log mode");
        add("warn.db-table-ignored", "RiskWarnings", "br.db/br.table are ignored with tableFilter or backupType full");
        add("warn.azblob-path-ignored", "RiskWarnings", "azblob.path is ignored by BR");
        add("warn.delete-log-data", "RiskWarnings", "cleanPolicy Delete on a log backup removes all its data");
        add("warn.prefix-root", "RiskWarnings", "an empty prefix writes at the container root");
        add("warn.truncate-not-after-last", "RiskWarnings", "a truncate at or before the last one does nothing");
        add("warn.no-snapshot-for-pitr", "RiskWarnings", "no Complete snapshot found for the PITR guard");
        add("warn.not-azblob", "RiskWarnings", "brguard checks Azure storage only");
        add("warn.existing-violation", "KindPolicy", "problems in fields an update does not touch are not enforced");
        add(ScheduleFieldRules.CRON, "ScheduleFieldRules", "spec.schedule is a cron TiDB Operator's parser reads, and it fires");
        add(ScheduleFieldRules.DURATION, "ScheduleFieldRules", "maxReservedTime and compactSpan are Go durations; maxReservedTime is positive");
        add(ScheduleFieldRules.TEMPLATE_MODE, "ScheduleFieldRules", "backupTemplate is a snapshot, logBackupTemplate a log backup");
        add(ScheduleFieldRules.TEMPLATE_FIELD, "ScheduleFieldRules", "no template field the schedule sets itself (commitTs, logTruncateUntil)");
        add(ScheduleFieldRules.CLUSTER_MISMATCH, "ScheduleFieldRules", "both templates back up the same TiDB cluster");
        add(ScheduleFieldRules.NAME_TOO_LONG, "ScheduleFieldRules", "the Jobs of the schedule's Backups fit in 63 characters");
        add(ScheduleTransitionRules.IN_USE, "ScheduleTransitionRules", "logBackupTemplate is not edited while its log backup exists");
        add("warn.schedule-log-left-running", "ScheduleTransitionRules", "a removed logBackupTemplate leaves its log backup running");
        add("warn.schedule-frequent", "ScheduleWarnings", "runs less than 10 minutes apart, or every minute of an hour");
        add("warn.schedule-no-retention", "ScheduleWarnings", "neither maxReservedTime nor maxBackups: nothing is deleted");
        add("warn.schedule-max-backups-ignored", "ScheduleWarnings", "maxBackups beside maxReservedTime is ignored");
        add("warn.schedule-no-compaction", "ScheduleWarnings", "compactBackupTemplate/compactSpan: nothing compacts");
        add("warn.schedule-ignored-field", "ScheduleWarnings", "top-level br, storage and storage class fields are not used");
        add(RestoreFieldRules.PITR_SOURCE, "RestoreFieldRules", "pitr: one of pitrFullBackupStorageProvider and logRestoreStartTs");
        add(RestoreFieldRules.PITR_ONLY, "RestoreFieldRules", "PITR fields only with restoreMode: pitr");
        add(RestoreFieldRules.TIMESTAMP, "RestoreFieldRules", "pitrRestoredTs and logRestoreStartTs are a TSO or a datetime with a zone");
        add(RestoreFieldRules.PITR_DB_TABLE, "RestoreFieldRules", "no backupType db or table in pitr mode: br restore point has no --db");
        add(RestoreFieldRules.CLUSTER_NAMESPACE, "RestoreFieldRules", "the cluster is in the Restore's namespace (v2 looks only there)");
        add(RestoreFieldRules.NAME_TOO_LONG, "RestoreFieldRules", "the Job restore-<name> fits in 63 characters");
        add(RestoreStorageRules.FULL_BACKUP_CREDENTIALS, "RestoreStorageRules", "the full backup is read with spec.azblob's credentials");
        add(RestoreSourceRules.MISSING, "RestoreSourceRules", "the storage read is where a Backup of the cluster writes");
        add(RestoreSourceRules.KIND, "RestoreSourceRules", "a log backup at spec.azblob for pitr, a snapshot otherwise and as the full backup");
        add(RestoreSourceRules.NOT_COMPLETE, "RestoreSourceRules", "the snapshot read is Complete; the log backup read has started");
        add(RestoreSourceRules.CLUSTER_MISMATCH, "RestoreSourceRules", "the full backup and the log backup are of one cluster");
        add(RestoreSourceRules.GAP, "RestoreSourceRules", "the PITR start is not older than the oldest log kept");
        add(RestoreSourceRules.WINDOW, "RestoreSourceRules", "pitrRestoredTs lies between the full backup and the log checkpoint");
        add(RestoreTargetRules.LOG_RUNNING, "RestoreTargetRules", "no whole-cluster restore into a cluster a log backup backs up");
        add(RestoreTargetRules.WARN_LOG_RUNNING, "RestoreTargetRules", "a filtered restore beside a log backup: older BR refuses it");
        add(RestoreTargetRules.WARN_ONTO_SOURCE, "RestoreTargetRules", "a full restore into the cluster its backup came from");
        add(RestoreTargetRules.WARN_BUSY, "RestoreTargetRules", "a full restore into a cluster another Restore holds");
        add(RestoreTransitionRules.STARTED, "RestoreTransitionRules", "a started Restore's spec does not change (it runs once)");
    }

    private RuleCatalog() {
    }

    private static void add(String id, String family, String what) {
        ENTRIES.put(id, new Entry(id, family, what));
    }

    public static boolean contains(String id) {
        return ENTRIES.containsKey(id);
    }

    public static Map<String, Entry> entries() {
        return java.util.Collections.unmodifiableMap(ENTRIES);
    }
}
