package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Specs;
import io.brguard.policy.field.GoDuration;
import io.brguard.policy.field.TableFilterSyntax;
import io.brguard.policy.field.Tso;
import io.brguard.policy.model.AzblobStorageProvider;
import io.brguard.policy.model.BackupSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Rules on single fields, judged from the new spec alone. */
public final class FieldRules implements RuleFamily<Context> {
    /*
     * Azure: 3-63 characters, lowercase letters, digits and single hyphens, starting and ending alphanumeric. The
     * patterns are RE2 as well as Java (no lookaround), so the ValidatingAdmissionPolicy (io.brguard.policy.vap)
     * matches with the very same text.
     */
    public static final String CONTAINER_PATTERN = "[a-z0-9](-?[a-z0-9])*";
    public static final int CONTAINER_MIN = 3;
    public static final int CONTAINER_MAX = 63;
    private static final Pattern CONTAINER = Pattern.compile(CONTAINER_PATTERN);
    public static final String DNS_LABEL_PATTERN = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
    private static final Pattern DNS_LABEL = Pattern.compile(DNS_LABEL_PATTERN);
    /*
     * BR maps exactly Hot/hot, Cool/cool and Archive/archive to Azure's tiers and passes any other string through
     * as it is (newAzureBlobStorageWithClientBuilder, pingcap/tidb pkg/objstore/azblob.go); Azure knows Cold too.
     */
    public static final List<String> TIERS = List.of("Hot", "hot", "Cool", "cool", "Cold");
    /** The tiers a fix may offer, each written as BR maps it. */
    public static final List<String> CANONICAL_TIERS = List.of("Hot", "Cool", "Cold");
    private static final Pattern ENDPOINT = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+([/?#].*)?");
    static final String PROVIDER_FIELDS = "field.provider-fields";
    /** Kubernetes copies a Job's name into a label of its pod template: at most 63 characters. */
    public static final int MAX_JOB_NAME = 63;

    @Override
    public void check(Context ctx, Findings out) {
        BackupSpec spec = ctx.spec();
        storageProvider(spec, out);
        if (spec.getAzblob() != null) {
            azblob(spec.getAzblob(), out);
        }
        clusterName(spec, out);
        clusterNamespace(ctx, out);
        timestamps(spec, out);
        tableFilter(spec, out);
        lastBackupTs(spec, out);
        backupTypeNeedsDb(spec, out);
        logOnlyFields(spec, out);
        logFlags(ctx, out);
        retryDurations(spec, out);
        azblobEncryption(spec, out);
        if (ctx.isCreate()) {
            nameLength(ctx, out);
        }
    }

    /**
     * TiDB Operator names Jobs {@code backup-<name>} and, for log backups, {@code backup-<name>-<command>} with
     * {@code -log-truncate} the longest, without shortening (GetBackupJobName, api/br/v1alpha1/backup.go). A Job
     * whose name cannot be a label value is refused by the API server, and the Backup retries forever
     * (RetryFailed CreateBackupJobFailed). The name is fixed at CREATE, so that is where it is judged.
     */
    /** How TiDB Operator names a Backup's Jobs: the longest of a log backup's, and a snapshot's. */
    public static final String JOB_LOG = "backup-<name>-log-truncate";
    public static final String JOB_SNAPSHOT = "backup-<name>";

    private static void nameLength(Context ctx, Findings out) {
        String name = ctx.name();
        if (name == null) {
            return;
        }
        String longest = ctx.isLog() ? "backup-" + name + "-log-truncate" : "backup-" + name;
        if (longest.length() > MAX_JOB_NAME) {
            int max = MAX_JOB_NAME - (longest.length() - name.length());
            out.deny("field.name-too-long", "metadata.name", "TiDB Operator would name a Job of this Backup "
                            + (ctx.isLog() ? JOB_LOG : JOB_SNAPSHOT) + ", " + longest.length()
                            + " characters, and Kubernetes refuses Job names over " + MAX_JOB_NAME,
                    name.length() + " characters", "use a name of at most " + max + " characters for a "
                            + (ctx.isLog() ? "log" : "snapshot") + " backup");
        }
    }

    /** The storage providers, in the order TiDB Operator picks the first one set. */
    public static final List<String> PROVIDERS = List.of("s3", "gcs", "azblob", "local");
    public static final String NO_PROVIDER = "no storage provider is set";
    public static final String NO_PROVIDER_FIX = "add spec.azblob with container, prefix and secretName";
    public static final String MANY_PROVIDERS = "more than one storage provider is set";
    public static final String MANY_PROVIDERS_FIX = "keep exactly one; TiDB Operator would silently use ";

    private static void storageProvider(BackupSpec spec, Findings out) {
        List<String> set = new ArrayList<>();
        if (spec.getS3() != null) set.add("s3");
        if (spec.getGcs() != null) set.add("gcs");
        if (spec.getAzblob() != null) set.add("azblob");
        if (spec.getLocal() != null) set.add("local");
        if (set.isEmpty()) {
            out.deny("field.storage-provider", "spec", NO_PROVIDER, null, NO_PROVIDER_FIX);
        } else if (set.size() > 1) {
            // TiDB Operator silently takes the first of s3, gcs, azblob, local.
            out.deny("field.storage-provider", "spec." + set.get(1), MANY_PROVIDERS, String.join(", ", set),
                    MANY_PROVIDERS_FIX + set.get(0));
        } else if (!set.get(0).equals("azblob")) {
            out.warn("warn.not-azblob", "spec." + set.get(0), "brguard checks Azure storage only; this provider is not checked");
            otherProvider(spec, out);
        }
    }

    /**
     * The few fields TiDB Operator requires of the other providers, the same for Backups and Restores
     * (validateS3, validateGcs, validateLocal, called by ValidateBackup and ValidateRestore in
     * pkg/controllers/br/manager/util/util.go): the object is marked Invalid before any Job.
     */
    private static void otherProvider(BackupSpec spec, Findings out) {
        String why = "TiDB Operator marks it Invalid";
        if (spec.getS3() != null) {
            if (blank(spec.getS3().get("bucket"))) {
                out.deny(PROVIDER_FIELDS, "spec.s3.bucket", "required: " + why, null, "set the bucket");
            }
            Object endpoint = spec.getS3().get("endpoint");
            // Go's url.Parse must find a scheme and a host: "minio:9000" has no host, "minio.local" no scheme.
            if (endpoint instanceof String e && !e.isEmpty() && !ENDPOINT.matcher(e).matches()) {
                out.deny(PROVIDER_FIELDS, "spec.s3.endpoint", "needs a scheme and a host: " + why, e,
                        "write it as a URL, e.g. http://minio.storage:9000");
            }
        } else if (spec.getGcs() != null) {
            for (String field : List.of("projectId", "bucket")) {
                if (blank(spec.getGcs().get(field))) {
                    out.deny(PROVIDER_FIELDS, "spec.gcs." + field, "required: " + why, null, "set " + field);
                }
            }
        } else if (spec.getLocal() != null) {
            Object volume = spec.getLocal().get("volume");
            Object mount = spec.getLocal().get("volumeMount");
            Object volumeName = volume instanceof java.util.Map<?, ?> v ? v.get("name") : null;
            Object mountName = mount instanceof java.util.Map<?, ?> m ? m.get("name") : null;
            Object mountPath = mount instanceof java.util.Map<?, ?> m ? m.get("mountPath") : null;
            if (!java.util.Objects.equals(volumeName, mountName)) {
                out.deny(PROVIDER_FIELDS, "spec.local.volumeMount.name", "differs from local.volume.name: " + why,
                        mountName + " vs " + volumeName, "mount the volume by its name");
            }
            if (blank(mountPath)) {
                out.deny(PROVIDER_FIELDS, "spec.local.volumeMount.mountPath", "required: " + why, null, "set the mount path");
            } else if (mountPath.toString().contains(":")) {
                out.deny(PROVIDER_FIELDS, "spec.local.volumeMount.mountPath", "contains ':': " + why, mountPath.toString(),
                        "use a path without ':'");
            }
        }
    }

    private static boolean blank(Object value) {
        return value == null || value.toString().isEmpty();
    }

    public static final String CONTAINER_REQUIRED = "container is required";
    public static final String CONTAINER_REQUIRED_FIX = "set the Azure container name";
    public static final String CONTAINER_SLASH = "container contains '/', which TiDB Operator moves into the prefix";
    public static final String CONTAINER_SLASH_FIX = "put the path part into spec.azblob.prefix";
    public static final String CONTAINER_INVALID = "not a valid Azure container name (3-63 lowercase letters, digits, single hyphens)";
    public static final String CONTAINER_INVALID_FIX = "rename it, e.g. ";
    public static final String PREFIX_FIX = "use a plain path such as team/cluster/log";
    public static final String ARCHIVE = "Archive blobs cannot be read back, so backupmeta and log metadata become unreadable";
    public static final String ARCHIVE_FIX = "use Hot, Cool or Cold and move old data to Archive with a lifecycle rule";
    public static final String TIER_UNMAPPED = "not an access tier BR maps: it reaches Azure as written, which refuses it";
    public static final String TIER_CASE_FIX = "write it as ";
    public static final String TIER_FIX = "use Hot, Cool or Cold";

    private static void azblob(AzblobStorageProvider az, Findings out) {
        String container = az.getContainer();
        if (Specs.isBlank(container)) {
            out.deny("field.container", "spec.azblob.container", CONTAINER_REQUIRED, null, CONTAINER_REQUIRED_FIX);
        } else if (container.contains("/")) {
            out.deny("field.container", "spec.azblob.container", CONTAINER_SLASH, container, CONTAINER_SLASH_FIX);
        } else if (container.length() < CONTAINER_MIN || container.length() > CONTAINER_MAX
                || !CONTAINER.matcher(container).matches()) {
            out.deny("field.container", "spec.azblob.container", CONTAINER_INVALID, container,
                    CONTAINER_INVALID_FIX + suggestContainer(container));
        }
        String prefix = az.getPrefix();
        if (prefix == null || prefix.isEmpty()) {
            out.warn("warn.prefix-root", "spec.azblob.prefix", "empty: BR writes at the container root");
        } else {
            // A leading or trailing '/' is harmless: TiDB Operator trims both (makeAzblobConfig, remote.go).
            for (String seg : prefix.split("/")) {
                if (seg.equals("..") || seg.equals(".")) {
                    out.deny("field.prefix", "spec.azblob.prefix", "contains a '" + seg + "' segment", prefix, PREFIX_FIX);
                    break;
                }
            }
        }
        String tier = az.getAccessTier();
        if (tier != null && !TIERS.contains(tier)) {
            if (tier.equalsIgnoreCase("Archive")) {
                out.deny("field.access-tier", "spec.azblob.accessTier", ARCHIVE, tier, ARCHIVE_FIX);
            } else {
                Optional<String> canon = CANONICAL_TIERS.stream().filter(t -> t.equalsIgnoreCase(tier)).findFirst();
                out.deny("field.access-tier", "spec.azblob.accessTier", TIER_UNMAPPED, tier,
                        canon.map(c -> TIER_CASE_FIX + c).orElse(TIER_FIX));
            }
        }
    }

    private static String suggestContainer(String s) {
        String t = s.toLowerCase().replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
        if (t.length() < 3) {
            t = (t + "-backup").replaceAll("^-", "");
        }
        return t.length() > 63 ? t.substring(0, 63).replaceAll("-$", "") : t;
    }

    /**
     * TiDB Operator v2's Cluster CRD refuses a name over 37 characters (pingcap/tidb-operator
     * manifests/crd/core.pingcap.com_clusters.yaml: size(self.metadata.name) <= 37), so no such cluster exists.
     */
    public static final int MAX_CLUSTER_NAME = 37;

    public static final String CLUSTER_NOT_LABEL = "not a DNS-1123 label, so the PD service <cluster>-pd cannot exist";
    public static final String CLUSTER_TOO_LONG = "longer than the " + MAX_CLUSTER_NAME + " characters TiDB Operator v2's "
            + "Cluster CRD allows, so no such cluster exists";
    public static final String CLUSTER_NAME_FIX = "use the metadata.name of the TiDB cluster (its core.pingcap.com Cluster)";

    private static void clusterName(BackupSpec spec, Findings out) {
        String cluster = spec.getBr() == null ? null : spec.getBr().getCluster();
        if (!Specs.isBlank(cluster) && !DNS_LABEL.matcher(cluster).matches()) {
            out.deny("field.cluster-name", "spec.br.cluster", CLUSTER_NOT_LABEL, cluster, CLUSTER_NAME_FIX);
        } else if (!Specs.isBlank(cluster) && cluster.length() > MAX_CLUSTER_NAME) {
            out.deny("field.cluster-name", "spec.br.cluster", CLUSTER_TOO_LONG, cluster.length() + " characters", CLUSTER_NAME_FIX);
        }
    }

    /**
     * TiDB Operator v2 looks the Cluster up in the Backup's own namespace whatever br.clusterNamespace says
     * (pkg/controllers/common/task.go TaskContextCluster, via apicall.GetCluster with the object's namespace), and
     * its Job builders look for the PDGroup and TiKVGroup there too (makeBRBackupJob): every reconcile fails.
     */
    public static final String CLUSTER_NAMESPACE = "TiDB Operator v2 looks the cluster up in the Backup's own namespace (";
    public static final String CLUSTER_NAMESPACE_END = ") whatever this says, so every reconcile fails";

    private static void clusterNamespace(Context ctx, Findings out) {
        BackupSpec spec = ctx.spec();
        String ns = spec.getBr() == null ? null : spec.getBr().getClusterNamespace();
        if (!Specs.isBlank(ns) && !ns.equals(ctx.namespace())) {
            out.deny("field.cluster-namespace", "spec.br.clusterNamespace", CLUSTER_NAMESPACE + ctx.namespace()
                    + CLUSTER_NAMESPACE_END, ns, "put the Backup in namespace " + ns + " and drop clusterNamespace");
        }
    }

    /*
     * Only log backups need a zone: BR parses log start --start-ts and log truncate --until with
     * ParseTSString(ts, true), which refuses a datetime without one, and TiDB Operator's own ParseTSString takes a
     * TSO, "2006-01-02 15:04:05" or RFC 3339 (ValidateBackup, pkg/controllers/br/manager/util/util.go). A snapshot's
     * commitTs is not parsed by the operator; BR reads --backupts with ParseTSString(ts, false), which takes any
     * MySQL datetime, zone or not (pingcap/tidb br/pkg/task/backup.go).
     */
    private static void timestamps(BackupSpec spec, Findings out) {
        if (!Specs.isBlank(spec.getLogTruncateUntil())) {
            timestamp("spec.logTruncateUntil", Tso.parse(spec.getLogTruncateUntil()), spec.getLogTruncateUntil(), out);
        }
        String commitTs = spec.getCommitTs();
        if (!Specs.isBlank(commitTs) && !"0".equals(commitTs)) {
            timestamp("spec.commitTs", Specs.isLog(spec) ? Tso.parse(commitTs) : Tso.parseSnapshot(commitTs), commitTs, out);
        }
    }

    private static void timestamp(String path, Tso.Parsed p, String value, Findings out) {
        if (p instanceof Tso.Zoneless) {
            out.deny("field.timestamp", path, "datetime without a time zone: BR refuses it and the Job fails", value,
                    "add an offset, e.g. " + value.trim().replace(' ', 'T') + "+08:00, or use a TSO");
        } else if (p instanceof Tso.Implausible i) {
            out.deny("field.timestamp", path, "not a TSO, " + i.hint(), value,
                    "use a TSO (physical ms << 18) or RFC 3339 with an offset");
        } else if (p instanceof Tso.Invalid) {
            out.deny("field.timestamp", path, "not a TSO or an RFC 3339 time", value,
                    "use e.g. 2022-10-10T15:21:00+08:00 or 436979621972148225");
        }
    }

    private static void tableFilter(BackupSpec spec, Findings out) {
        List<String> rules = spec.getTableFilter();
        if (rules == null) {
            return;
        }
        for (int i = 0; i < rules.size(); i++) {
            String rule = rules.get(i);
            Optional<String> err = TableFilterSyntax.check(rule);
            if (err.isPresent()) {
                out.deny("field.table-filter", "spec.tableFilter[" + i + "]", err.get(), rule,
                        "write db.table, e.g. db1.* or `my.db`.t1");
            }
        }
    }

    public static final String LAST_BACKUP_TS = "--lastbackupts";
    public static final String LAST_BACKUP_TS_NUMBER = "--lastbackupts must be a TSO number";
    public static final String LAST_BACKUP_TS_NUMBER_FIX = "use the commitTs of the previous snapshot backup, e.g. 420134118382108673";

    private static void lastBackupTs(BackupSpec spec, Findings out) {
        List<String> options = spec.getBr() == null ? null : spec.getBr().getOptions();
        if (options == null) {
            return;
        }
        for (int i = 0; i < options.size(); i++) {
            String o = options.get(i) == null ? "" : options.get(i).trim();
            String value = null;
            if (o.startsWith("--lastbackupts=")) {
                value = o.substring("--lastbackupts=".length());
            } else if (o.equals("--lastbackupts")) {
                value = i + 1 < options.size() ? options.get(i + 1) : "";
            }
            if (value == null) {
                continue;
            }
            String path = "spec.br.options[" + i + "]";
            Tso.Parsed p = value.matches("[0-9]+") ? Tso.parse(value) : new Tso.Invalid();
            if (p instanceof Tso.Implausible bad) {
                out.deny("field.lastbackupts", path, "--lastbackupts is not a TSO, " + bad.hint(), value,
                        "use the commitTs of the previous snapshot backup");
            } else if (!(p instanceof Tso.Value)) {
                out.deny("field.lastbackupts", path, LAST_BACKUP_TS_NUMBER, value, LAST_BACKUP_TS_NUMBER_FIX);
            }
        }
    }

    /** BR flags of `br backup` only (DefineBackupFlags, pingcap/tidb br/pkg/task/backup.go): every log command refuses them. */
    public static final List<String> SNAPSHOT_ONLY_FLAGS = List.of("--timeago", "--lastbackupts", "--backupts");

    /**
     * What TiDB Operator v2 passes to every log command that BR's log commands do not define, so each of them
     * fails with "unknown flag" (cmd/tidb-backup-manager/app/backup/backup.go backupCommandTemplate and
     * constructOptions; pingcap/tidb br/cmd/br/stream.go): the table filter (--filter, which only log start
     * defines, so the task can never be paused, truncated or stopped, and deleting the Backup leaves it running),
     * br.timeAgo (--timeago) and --lastbackupts or --backupts in br.options (defined for backups only).
     */
    public static final String LOG_TABLE_FILTER = "TiDB Operator passes --filter to every log command and only log start "
            + "has it: the task could never be paused, truncated or stopped";
    public static final String LOG_TABLE_FILTER_FIX = "remove tableFilter: a log backup records every table";
    public static final String TIME_AGO = "TiDB Operator passes --timeago to every log command, which BR defines for "
            + "backups only: each one fails (unknown flag)";
    /** Follows the flag: {@code --timeago reaches every log command, ...}. */
    public static final String SNAPSHOT_ONLY_FLAG = " reaches every log command, which BR defines for backups only: "
            + "each one fails (unknown flag)";
    public static final String SNAPSHOT_ONLY_FIX = "remove it";

    private static void logFlags(Context ctx, Findings out) {
        BackupSpec spec = ctx.spec();
        if (!Specs.isLog(spec)) {
            return;
        }
        if (spec.getTableFilter() != null && !spec.getTableFilter().isEmpty() && ctx.changed("/tableFilter")) {
            out.deny("field.log-table-filter", "spec.tableFilter", LOG_TABLE_FILTER, null, LOG_TABLE_FILTER_FIX);
        }
        if (spec.getBr() == null) {
            return;
        }
        if (!Specs.isBlank(spec.getBr().getTimeAgo())) {
            out.deny("field.snapshot-only", "spec.br.timeAgo", TIME_AGO, spec.getBr().getTimeAgo(), SNAPSHOT_ONLY_FIX);
        }
        List<String> options = spec.getBr().getOptions();
        for (int i = 0; options != null && i < options.size(); i++) {
            String o = options.get(i) == null ? "" : options.get(i).trim();
            for (String flag : SNAPSHOT_ONLY_FLAGS) {
                if (o.equals(flag) || o.startsWith(flag + "=")) {
                    out.deny("field.snapshot-only", "spec.br.options[" + i + "]", flag + SNAPSHOT_ONLY_FLAG, o, SNAPSHOT_ONLY_FIX);
                }
            }
        }
    }

    /**
     * ValidateBackup parses backoffRetryPolicy's durations with Go's time.ParseDuration and marks the Backup
     * Invalid, terminally, when one does not parse (pkg/controllers/br/manager/util/util.go).
     */
    /** The backoffRetryPolicy fields read as Go durations. */
    public static final List<String> RETRY_DURATIONS = List.of("minRetryDuration", "retryTimeout");
    public static final String RETRY_DURATION_END = "): TiDB Operator marks the Backup Invalid";
    public static final String RETRY_DURATION_FIX = "use h, m or s, e.g. 300s or 30m";

    private static void retryDurations(BackupSpec spec, Findings out) {
        if (spec.getBackoffRetryPolicy() == null) {
            return;
        }
        String[][] fields = {{"minRetryDuration", spec.getBackoffRetryPolicy().getMinRetryDuration()},
                {"retryTimeout", spec.getBackoffRetryPolicy().getRetryTimeout()}};
        for (String[] f : fields) {
            if (f[1] != null && !f[1].isEmpty() && GoDuration.parse(f[1]) instanceof GoDuration.Invalid bad) {
                out.deny("field.retry-duration", "spec.backoffRetryPolicy." + f[0], "not a Go duration (" + bad.error()
                        + RETRY_DURATION_END, f[1], RETRY_DURATION_FIX);
            }
        }
    }

    /**
     * BR's Azure storage refuses an encryption scope together with a customer key, and either one with an access
     * tier (newAzureBlobStorageWithClientBuilder, pingcap/tidb pkg/objstore/azblob.go): the Job fails on opening
     * the storage. TiDB Operator passes the tier as --azblob.access-tier when accessTier is set.
     */
    public static final String ENCRYPTION_SCOPE = "--azblob.encryption-scope";
    public static final String ENCRYPTION_KEY = "--azblob.encryption-key";
    public static final String SCOPE_AND_KEY = "BR refuses an encryption scope together with a customer-provided key";
    public static final String SCOPE_AND_KEY_FIX = "keep one of --azblob.encryption-scope and --azblob.encryption-key";
    public static final String TIER_AND_ENCRYPTION = "BR refuses an access tier together with an encryption scope or key "
            + "(Set Blob Tier cannot be used with customer-provided key/scope)";
    public static final String TIER_AND_ENCRYPTION_FIX = "remove accessTier, or the encryption option";

    private static void azblobEncryption(BackupSpec spec, Findings out) {
        List<String> options = spec.getBr() == null ? null : spec.getBr().getOptions();
        if (options == null || spec.getAzblob() == null) {
            return;
        }
        int scope = -1;
        int key = -1;
        for (int i = 0; i < options.size(); i++) {
            String o = options.get(i) == null ? "" : options.get(i).trim();
            if (o.startsWith(ENCRYPTION_SCOPE)) {
                scope = i;
            } else if (o.startsWith(ENCRYPTION_KEY)) {
                key = i;
            }
        }
        if (scope >= 0 && key >= 0) {
            out.deny("field.azblob-encryption", "spec.br.options[" + Math.max(scope, key) + "]", SCOPE_AND_KEY, null, SCOPE_AND_KEY_FIX);
        } else if ((scope >= 0 || key >= 0) && !Specs.isBlank(spec.getAzblob().getAccessTier())) {
            out.deny("field.azblob-encryption", "spec.azblob.accessTier", TIER_AND_ENCRYPTION, spec.getAzblob().getAccessTier(),
                    TIER_AND_ENCRYPTION_FIX);
        }
    }

    public static final String NEEDS_DB_FIX = "set br.db, or use backupType full with tableFilter";
    public static final String NEEDS_TABLE_FIX = "set br.table, or use backupType full with tableFilter";
    /** Follows {@code BR's backup <type>}. */
    public static final String TABLE_FILTER_TYPE_END = " has no --filter, and with a filter TiDB Operator passes no --db: the Job fails";
    public static final String TABLE_FILTER_TYPE_FIX = "use backupType full with tableFilter, or drop tableFilter and use br.db";

    private static void backupTypeNeedsDb(BackupSpec spec, Findings out) {
        String type = spec.getBackupType();
        String db = spec.getBr() == null ? null : spec.getBr().getDb();
        String table = spec.getBr() == null ? null : spec.getBr().getTable();
        if (("db".equals(type) || "table".equals(type)) && Specs.isBlank(db)) {
            out.deny("field.backup-type-needs-db", "spec.br.db", "backupType " + type + " needs br.db", null, NEEDS_DB_FIX);
        }
        if ("table".equals(type) && Specs.isBlank(table)) {
            out.deny("field.backup-type-needs-db", "spec.br.table", "backupType table needs br.table", null, NEEDS_TABLE_FIX);
        }
        // With a filter TiDB Operator passes only --filter (ConstructBRGlobalOptionsForBackup returns before --db),
        // and BR's backup db and backup table define no --filter (pingcap/tidb br/cmd/br/backup.go): the Job fails.
        boolean filtered = spec.getTableFilter() != null && !spec.getTableFilter().isEmpty();
        if (filtered && !Specs.isLog(spec) && ("db".equals(type) || "table".equals(type))) {
            out.deny("field.table-filter-type", "spec.tableFilter", "BR's backup " + type + TABLE_FILTER_TYPE_END, type,
                    TABLE_FILTER_TYPE_FIX + ("table".equals(type) ? "/br.table" : ""));
        }
    }

    public static final String LOG_ONLY = "only applies to backupMode: log";
    public static final String LOG_ONLY_SUBCOMMAND_FIX = "set backupMode: log, or remove logSubcommand";
    public static final String LOG_ONLY_TRUNCATE_FIX = "set it on the log backup of this cluster";
    public static final String LOG_ONLY_STOP_FIX = "remove logStop";

    private static void logOnlyFields(BackupSpec spec, Findings out) {
        if (Specs.isLog(spec)) {
            return;
        }
        // ParseLogBackupSubcommand returns "" for non-log modes: these fields would silently do nothing.
        if (!Specs.isBlank(spec.getLogSubcommand())) {
            out.deny("field.log-only", "spec.logSubcommand", LOG_ONLY, spec.getLogSubcommand(), LOG_ONLY_SUBCOMMAND_FIX);
        }
        if (!Specs.isBlank(spec.getLogTruncateUntil())) {
            out.deny("field.log-only", "spec.logTruncateUntil", LOG_ONLY, null, LOG_ONLY_TRUNCATE_FIX);
        }
        if (spec.getLogStop() != null) {
            out.deny("field.log-only", "spec.logStop", LOG_ONLY, null, LOG_ONLY_STOP_FIX);
        }
    }
}
