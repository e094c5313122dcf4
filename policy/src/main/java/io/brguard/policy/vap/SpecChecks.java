package io.brguard.policy.vap;

import io.brguard.policy.rules.CredentialRules;
import io.brguard.policy.rules.FieldRules;
import io.brguard.policy.rules.TransitionRules;
import io.brguard.policy.state.LogCommand;
import io.brguard.policy.state.LogState;
import io.brguard.policy.state.TransitionTable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.brguard.policy.vap.Cel.and;
import static io.brguard.policy.vap.Cel.not;
import static io.brguard.policy.vap.Cel.or;
import static io.brguard.policy.vap.Cel.q;
import static io.brguard.policy.vap.Cel.strings;

/**
 * The checks brguard's rules make on one Backup spec alone: FieldRules, secret.no-credentials, the log command a new
 * Backup may ask for and the values TiDB Operator v2 does not know. They judge a Backup's spec and, as a new
 * Backup's, each template of a BackupSchedule (ScheduleTemplateRules). Each mirrors the Java rule it names, with its
 * constants; where CEL cannot say all the rule says, the check says less, never more: a Backup the policy allows is
 * never refused (AdmissionPolicyCasesTest holds this over every case of the policy's table).
 */
final class SpecChecks {
    /**
     * Strings a check traverses (a regex, a split) are judged up to this length and passed over beyond it, which
     * bounds the CEL cost whatever a request holds (Kubernetes stops an expression at 1,000,000 cost units,
     * k8s.io/apiserver pkg/apis/cel/config.go PerCallLimit). No container, prefix, duration or flag of a real
     * Backup comes near it; the webhook still judges what is longer.
     */
    static final int TRAVERSED = 1024;
    /** br.options are judged up to this many entries, for the same reason; a real Backup has a handful. */
    static final int OPTIONS = 256;

    private SpecChecks() {
    }

    /** Every field check of a spec, in FieldRules' order, then secret.no-credentials. */
    static List<Check> fields(Scope s) {
        List<Check> out = new ArrayList<>();
        out.addAll(storageProvider(s));
        out.addAll(container(s));
        out.add(prefix(s));
        out.addAll(accessTier(s));
        out.add(lastBackupTs(s));
        out.addAll(clusterName(s));
        out.add(clusterNamespace(s));
        out.addAll(backupTypeNeedsDb(s));
        out.add(tableFilterType(s));
        out.addAll(logOnly(s));
        out.add(logTableFilter(s));
        out.addAll(snapshotOnly(s));
        out.addAll(retryDurations(s));
        out.addAll(azblobEncryption(s));
        out.add(noCredentials(s));
        return out;
    }

    private static List<Check> storageProvider(Scope s) {
        String now = s.providers();
        String before = s.oldProviders();
        // brguard names the whole spec for a missing provider, so it enforces that on any change; the policy only
        // where the providers change. A second provider is judged on its own field, as brguard ratchets it.
        Check none = Denial.exact("field.storage-provider", s.path(), s.when("size(" + now + ") == 0",
                or("variables.create", before + " != " + now)), FieldRules.NO_PROVIDER, null, FieldRules.NO_PROVIDER_FIX);
        String second = now + "[1]";
        Check many = Denial.built("field.storage-provider", s.path() + ".<provider>",
                s.when("size(" + now + ") > 1", or("variables.create", not(second + " in " + s.old()))),
                "field.storage-provider " + s.path() + ": " + FieldRules.MANY_PROVIDERS + "; keep exactly one",
                Denial.line(q("field.storage-provider " + s.path() + ".") + " + " + second + " + "
                                + q(": " + FieldRules.MANY_PROVIDERS), now + ".join(', ')",
                        q(FieldRules.MANY_PROVIDERS_FIX) + " + " + now + "[0]"), Check.Fidelity.EXACT);
        return List.of(none, many);
    }

    private static List<Check> container(Scope s) {
        String c = s.str("azblob.container");
        String base = s.when(s.has("azblob"), s.enforced("azblob.container", Scope.Kind.STRING));
        String path = s.field("azblob.container");
        String valid = "size(" + c + ") >= " + FieldRules.CONTAINER_MIN + " && size(" + c + ") <= "
                + FieldRules.CONTAINER_MAX + " && " + c + ".matches(" + q("^" + FieldRules.CONTAINER_PATTERN + "$") + ")";
        return List.of(
                Denial.exact("field.container", path, and(base, c + " == ''"), FieldRules.CONTAINER_REQUIRED, null,
                        FieldRules.CONTAINER_REQUIRED_FIX),
                Denial.exact("field.container", path, and(base, c + ".contains('/')"), FieldRules.CONTAINER_SLASH, c,
                        FieldRules.CONTAINER_SLASH_FIX),
                // The webhook's fix suggests a valid name, which takes a regex replace CEL does not have.
                Denial.of("field.container", path, and(base, c + " != ''", not(c + ".contains('/')"), not(valid)),
                        FieldRules.CONTAINER_INVALID, c, "rename it", Check.Fidelity.SAME_RULE_AND_PATH));
    }

    private static Check prefix(Scope s) {
        String p = s.str("azblob.prefix");
        String dots = p + ".split('/')";
        String segment = "x == '.' || x == '..'";
        String when = s.when(s.has("azblob"), p + " != ''", s.enforced("azblob.prefix", Scope.Kind.STRING),
                "size(" + p + ") <= " + TRAVERSED, dots + ".exists(x, " + segment + ")");
        String path = s.field("azblob.prefix");
        return Denial.built("field.prefix", path, when, "field.prefix " + path + ": contains a '.' or '..' segment; "
                        + FieldRules.PREFIX_FIX,
                Denial.line(q("field.prefix " + path + ": contains a '") + " + " + dots + ".filter(x, " + segment
                        + ")[0] + " + q("' segment"), p, q(FieldRules.PREFIX_FIX)), Check.Fidelity.EXACT);
    }

    private static List<Check> accessTier(Scope s) {
        String t = s.str("azblob.accessTier");
        String base = s.when(s.has("azblob"), t + " != ''", not(t + " in " + strings(FieldRules.TIERS)),
                s.enforced("azblob.accessTier", Scope.Kind.STRING), "size(" + t + ") <= " + TRAVERSED);
        String path = s.field("azblob.accessTier");
        String lower = t + ".lowerAscii()";
        StringBuilder fix = new StringBuilder();
        for (String tier : FieldRules.CANONICAL_TIERS) {
            fix.append(lower).append(" == ").append(q(tier.toLowerCase())).append(" ? ")
                    .append(q(FieldRules.TIER_CASE_FIX + tier)).append(" : ");
        }
        fix.append(q(FieldRules.TIER_FIX));
        // Java's equalsIgnoreCase folds a few non-ASCII letters that lowerAscii keeps: the decision is the same.
        return List.of(
                Denial.exact("field.access-tier", path, and(base, lower + " == 'archive'"), FieldRules.ARCHIVE, t,
                        FieldRules.ARCHIVE_FIX),
                Denial.built("field.access-tier", path, and(base, lower + " != 'archive'"), "field.access-tier " + path
                                + ": " + FieldRules.TIER_UNMAPPED + "; " + FieldRules.TIER_FIX,
                        Denial.line(q("field.access-tier " + path + ": " + FieldRules.TIER_UNMAPPED), t, "(" + fix + ")"),
                        Check.Fidelity.EXACT));
    }

    /**
     * --lastbackupts=<value> whose value is not a number. Whether a number is a plausible TSO, and the value of a
     * --lastbackupts given as two options, are the webhook's.
     */
    private static Check lastBackupTs(Scope s) {
        String opts = s.options();
        String flag = FieldRules.LAST_BACKUP_TS + "=";
        String bad = "o.contains(" + q(flag) + ") && size(o) <= " + TRAVERSED + " && o.matches(" + q(option(flag, ""))
                + ") && !o.matches(" + q(option(flag, "[0-9]+[\\x00-\\x20]*$")) + ")";
        String found = opts + ".filter(o, " + bad + " && " + newOption(s, "o") + ")[0]";
        return Denial.built("field.lastbackupts", s.field("br.options[i]"), s.when(judgedOptions(s), opts + ".exists(o, "
                        + bad + " && " + newOption(s, "o") + ")"),
                "field.lastbackupts " + s.field("br.options") + ": " + FieldRules.LAST_BACKUP_TS_NUMBER + "; "
                        + FieldRules.LAST_BACKUP_TS_NUMBER_FIX,
                Denial.line(q("field.lastbackupts " + s.field("br.options") + "[") + " + string(" + opts + ".indexOf(" + found
                                + ")) + " + q("]: " + FieldRules.LAST_BACKUP_TS_NUMBER),
                        found + ".trim().substring(" + flag.length() + ")", q(FieldRules.LAST_BACKUP_TS_NUMBER_FIX)),
                Check.Fidelity.EXACT);
    }

    private static List<Check> clusterName(Scope s) {
        String c = s.str("br.cluster");
        String base = s.when(c + " != ''", s.enforced("br.cluster", Scope.Kind.STRING));
        String label = "size(" + c + ") <= 63 && " + c + ".matches(" + q("^" + FieldRules.DNS_LABEL_PATTERN + "$") + ")";
        String path = s.field("br.cluster");
        return List.of(
                Denial.exact("field.cluster-name", path, and(base, not(label)), FieldRules.CLUSTER_NOT_LABEL, c,
                        FieldRules.CLUSTER_NAME_FIX),
                Denial.exact("field.cluster-name", path, and(base, label, "size(" + c + ") > " + FieldRules.MAX_CLUSTER_NAME),
                        FieldRules.CLUSTER_TOO_LONG, "string(size(" + c + ")) + ' characters'", FieldRules.CLUSTER_NAME_FIX));
    }

    private static Check clusterNamespace(Scope s) {
        String ns = s.str("br.clusterNamespace");
        String path = s.field("br.clusterNamespace");
        return Denial.built("field.cluster-namespace", path, s.when(ns + " != ''", ns + " != variables.namespace",
                        s.enforced("br.clusterNamespace", Scope.Kind.STRING), "size(" + ns + ") <= " + TRAVERSED),
                "field.cluster-namespace " + path + ": " + FieldRules.CLUSTER_NAMESPACE + "its namespace"
                        + FieldRules.CLUSTER_NAMESPACE_END + "; put the Backup in that namespace and drop clusterNamespace",
                Denial.line(q("field.cluster-namespace " + path + ": " + FieldRules.CLUSTER_NAMESPACE)
                                + " + variables.namespace + " + q(FieldRules.CLUSTER_NAMESPACE_END), ns,
                        "'put the Backup in namespace ' + " + ns + " + ' and drop clusterNamespace'"), Check.Fidelity.EXACT);
    }

    private static List<Check> backupTypeNeedsDb(Scope s) {
        String type = s.str("backupType");
        String db = s.field("br.db");
        String table = s.field("br.table");
        return List.of(
                Denial.built("field.backup-type-needs-db", db, s.when(type + " in ['db', 'table']", s.str("br.db") + " == ''",
                                s.enforced("br.db", Scope.Kind.STRING)),
                        "field.backup-type-needs-db " + db + ": backupType db or table needs br.db; " + FieldRules.NEEDS_DB_FIX,
                        Denial.line(q("field.backup-type-needs-db " + db + ": backupType ") + " + " + type + " + ' needs br.db'",
                                null, q(FieldRules.NEEDS_DB_FIX)), Check.Fidelity.EXACT),
                Denial.exact("field.backup-type-needs-db", table, s.when(type + " == 'table'", s.str("br.table") + " == ''",
                        s.enforced("br.table", Scope.Kind.STRING)), "backupType table needs br.table", null, FieldRules.NEEDS_TABLE_FIX));
    }

    private static Check tableFilterType(Scope s) {
        String type = s.str("backupType");
        String path = s.field("tableFilter");
        return Denial.built("field.table-filter-type", path, s.when("size(" + s.list("tableFilter") + ") > 0",
                        not(s.log()), type + " in ['db', 'table']", s.enforced("tableFilter", Scope.Kind.LIST)),
                "field.table-filter-type " + path + ": BR's backup db or table" + FieldRules.TABLE_FILTER_TYPE_END + "; "
                        + FieldRules.TABLE_FILTER_TYPE_FIX,
                Denial.line(q("field.table-filter-type " + path + ": BR's backup ") + " + " + type + " + "
                                + q(FieldRules.TABLE_FILTER_TYPE_END), type,
                        q(FieldRules.TABLE_FILTER_TYPE_FIX) + " + (" + type + " == 'table' ? '/br.table' : '')"),
                Check.Fidelity.EXACT);
    }

    /*
     * The log command is read as brguard reads it after its defaulting: a lone logStop: true is logSubcommand:
     * log-stop (Mutator), so the same denial comes whether or not brguard's mutating webhook ran.
     */
    private static List<Check> logOnly(Scope s) {
        String snapshot = not(s.log());
        return List.of(
                Denial.exact("field.log-only", s.field("logSubcommand"), s.when(snapshot, s.cmd() + " != ''",
                        s.enforced("logSubcommand", Scope.Kind.COMMAND)), FieldRules.LOG_ONLY, s.cmd(), FieldRules.LOG_ONLY_SUBCOMMAND_FIX),
                Denial.exact("field.log-only", s.field("logTruncateUntil"), s.when(snapshot, s.str("logTruncateUntil") + " != ''",
                        s.enforced("logTruncateUntil", Scope.Kind.STRING)), FieldRules.LOG_ONLY, null, FieldRules.LOG_ONLY_TRUNCATE_FIX),
                Denial.exact("field.log-only", s.field("logStop"), s.when(snapshot, s.has("logStop"),
                        not(Cel.opt(s.spec(), "logStop") + ".orValue(false) == true && " + not(s.has("logSubcommand"))),
                        s.enforced("logStop", Scope.Kind.VALUE)), FieldRules.LOG_ONLY, null, FieldRules.LOG_ONLY_STOP_FIX));
    }

    private static Check logTableFilter(Scope s) {
        return Denial.exact("field.log-table-filter", s.field("tableFilter"), s.when(s.log(),
                        "size(" + s.list("tableFilter") + ") > 0", s.enforced("tableFilter", Scope.Kind.LIST)),
                FieldRules.LOG_TABLE_FILTER, null, FieldRules.LOG_TABLE_FILTER_FIX);
    }

    /** An RE2 pattern for an option as Java's trim() and startsWith read it: leading characters up to ' ' dropped. */
    static String option(String flag, String after) {
        return "^[\\x00-\\x20]*" + flag.replace(".", "\\.") + after;
    }

    /**
     * An option the update brings: brguard ratchets options one index at a time, and an option found nowhere in
     * the old list is new at its index (one that only moved is left to the webhook, which keeps the check linear).
     */
    private static String newOption(Scope s, String o) {
        return or("variables.create", not(o + " in " + s.oldOptions()));
    }

    private static String judgedOptions(Scope s) {
        return "size(" + s.options() + ") <= " + OPTIONS;
    }

    private static List<Check> snapshotOnly(Scope s) {
        List<Check> out = new ArrayList<>();
        String timeAgo = s.str("br.timeAgo");
        out.add(Denial.exact("field.snapshot-only", s.field("br.timeAgo"), s.when(s.log(), timeAgo + " != ''",
                s.enforced("br.timeAgo", Scope.Kind.STRING)), FieldRules.TIME_AGO, timeAgo, FieldRules.SNAPSHOT_ONLY_FIX));
        String opts = s.options();
        for (String flag : FieldRules.SNAPSHOT_ONLY_FLAGS) {
            String match = "o.contains(" + q(flag) + ") && size(o) <= " + TRAVERSED + " && o.matches("
                    + q(option(flag, "([\\x00-\\x20]*$|=)")) + ")";
            String found = opts + ".filter(o, " + match + " && " + newOption(s, "o") + ")[0]";
            String path = s.field("br.options[i]");
            out.add(Denial.built("field.snapshot-only", path, s.when(s.log(), judgedOptions(s), opts + ".exists(o, " + match
                            + " && " + newOption(s, "o") + ")"),
                    "field.snapshot-only " + s.field("br.options") + ": " + flag + FieldRules.SNAPSHOT_ONLY_FLAG + "; "
                            + FieldRules.SNAPSHOT_ONLY_FIX,
                    Denial.line(q("field.snapshot-only " + s.field("br.options") + "[") + " + string(" + opts + ".indexOf("
                                    + found + ")) + " + q("]: " + flag + FieldRules.SNAPSHOT_ONLY_FLAG), found + ".trim()",
                            q(FieldRules.SNAPSHOT_ONLY_FIX)), Check.Fidelity.EXACT));
        }
        return out;
    }

    /**
     * Go's time.ParseDuration grammar (golang/go src/time/format.go, as io.brguard.policy.field.GoDuration ports it):
     * "0", or numbers with an optional fraction, each followed by a unit. A value outside it is refused by Go; the
     * overflow Go refuses too is left to the webhook.
     */
    static final String GO_DURATION = "^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$";

    private static List<Check> retryDurations(Scope s) {
        List<Check> out = new ArrayList<>();
        for (String f : FieldRules.RETRY_DURATIONS) {
            String dotted = "backoffRetryPolicy." + f;
            String v = s.str(dotted);
            // Go's own error text (invalid duration, unknown unit, missing unit) is the webhook's to give.
            out.add(Denial.of("field.retry-duration", s.field(dotted), s.when(v + " != ''", s.enforced(dotted, Scope.Kind.STRING),
                            "size(" + v + ") <= " + TRAVERSED, not(v + ".matches(" + q(GO_DURATION) + ")")),
                    "not a Go duration" + FieldRules.RETRY_DURATION_END.substring(1), v, FieldRules.RETRY_DURATION_FIX,
                    Check.Fidelity.SAME_FIX));
        }
        return out;
    }

    /** The options that set an encryption scope (or key), for {@link Scope#variables()}. */
    static String encryptionOptions(String options, String flag) {
        return "size(" + options + ") > " + OPTIONS + " ? [] : " + options + ".filter(o, o.contains(" + q(flag) + ") && size(o) <= "
                + TRAVERSED + " && o.matches(" + q(option(flag, "")) + "))";
    }

    private static List<Check> azblobEncryption(Scope s) {
        String opts = s.options();
        String scopes = s.encryptionScopes();
        String keys = s.encryptionKeys();
        String hasScope = "size(" + scopes + ") > 0";
        String hasKey = "size(" + keys + ") > 0";
        // The later of the last scope option and the last key option, as FieldRules names it.
        String lastScope = opts + ".lastIndexOf(" + scopes + "[size(" + scopes + ") - 1])";
        String lastKey = opts + ".lastIndexOf(" + keys + "[size(" + keys + ") - 1])";
        String last = "(" + lastScope + " > " + lastKey + " ? " + lastScope + " : " + lastKey + ")";
        String old = s.oldOptions();
        String lastChanged = or("variables.create", "size(" + old + ") <= " + last, old + "[" + last + "] != " + opts + "[" + last + "]");
        String tier = s.str("azblob.accessTier");
        String path = s.field("br.options[i]");
        return List.of(
                Denial.built("field.azblob-encryption", path, s.when(s.has("azblob"), judgedOptions(s), hasScope, hasKey, lastChanged),
                        "field.azblob-encryption " + s.field("br.options") + ": " + FieldRules.SCOPE_AND_KEY + "; "
                                + FieldRules.SCOPE_AND_KEY_FIX,
                        Denial.line(q("field.azblob-encryption " + s.field("br.options") + "[") + " + string(" + last + ") + "
                                + q("]: " + FieldRules.SCOPE_AND_KEY), null, q(FieldRules.SCOPE_AND_KEY_FIX)), Check.Fidelity.EXACT),
                Denial.exact("field.azblob-encryption", s.field("azblob.accessTier"), s.when(s.has("azblob"), judgedOptions(s),
                                or(hasScope, hasKey), not(and(hasScope, hasKey)), tier + " != ''",
                                s.enforced("azblob.accessTier", Scope.Kind.STRING)),
                        FieldRules.TIER_AND_ENCRYPTION, tier, FieldRules.TIER_AND_ENCRYPTION_FIX));
    }

    /*
     * Not a field rule, so brguard enforces it on any change of a Backup's spec, which the policy reads as a change
     * of a field it compares (variables.changed); a template's findings are ratcheted field by field.
     */
    private static Check noCredentials(Scope s) {
        String changed = s.backup() ? or("variables.create", "size(variables.changed) > 0")
                : s.enforced("azblob.secretName", Scope.Kind.STRING);
        return Denial.exact(CredentialRules.NO_CREDENTIALS, s.field("azblob.secretName"), s.when(s.has("azblob"),
                        s.str("azblob.secretName") + " == ''",
                        not(and(s.str("azblob.storageAccount") + " != ''", s.str("azblob.sasToken") + " != ''")), changed),
                CredentialRules.NO_CREDENTIALS_PROBLEM, null, CredentialRules.NO_CREDENTIALS_FIX);
    }

    /** The logSubcommand values TiDB Operator v2 acts on ('' is none). */
    static String known(String cmd) {
        List<String> values = new ArrayList<>();
        for (LogCommand c : TransitionTable.COMMANDS) {
            values.add(c.value());
        }
        return cmd + " in " + strings(values);
    }

    /** How a log command reads in a denial: its value, or (no logSubcommand). */
    static String label(String cmd) {
        return "(" + cmd + " == '' ? " + q(LogCommand.NONE.label()) + " : " + cmd + ")";
    }

    /** A log backup asks for a value TiDB Operator v2 does not know (log-resume, log-truncate). */
    static Check unsupported(Scope s) {
        String path = s.field("logSubcommand");
        String cmd = s.cmd();
        return Denial.built(TransitionRules.UNSUPPORTED, path, s.when(s.log(), not(known(cmd)),
                        s.enforced("logSubcommand", Scope.Kind.COMMAND)),
                TransitionRules.UNSUPPORTED + " " + path + ": " + TransitionRules.UNSUPPORTED_PROBLEM + "; "
                        + TransitionRules.UNSUPPORTED_FIX_RESUME,
                Denial.line(q(TransitionRules.UNSUPPORTED + " " + path + ": " + TransitionRules.UNSUPPORTED_PROBLEM), cmd,
                        "(" + cmd + " == 'log-resume' ? " + q(TransitionRules.UNSUPPORTED_FIX_RESUME) + " : "
                                + q(TransitionRules.UNSUPPORTED_FIX_OTHER) + ")"), Check.Fidelity.EXACT);
    }

    /** The denied cells of the transition table for a new log backup ([*]), one check per rule, problem and fix. */
    static List<Check> newCells(Scope s) {
        List<Check> out = new ArrayList<>();
        String path = s.field("logSubcommand");
        for (Map.Entry<TransitionTable.Cell, List<String>> group : deniedCells(true).entrySet()) {
            TransitionTable.Cell cell = group.getKey();
            List<String> commands = group.getValue().stream().map(k -> k.substring(k.indexOf('/') + 1)).toList();
            // A Backup meets them when it is created; a template is a new Backup on every change of its command.
            String judged = s.backup() ? "variables.create" : s.enforced("logSubcommand", Scope.Kind.COMMAND);
            out.add(Denial.of(cell.ruleId(), path, s.when(s.log(), s.cmd() + " in " + strings(commands), judged), cell.problem(),
                    "'new -> ' + " + label(s.cmd()), cell.fix(), Check.Fidelity.EXACT));
        }
        return out;
    }

    /**
     * The denied cells of the transition table grouped by rule, problem and fix (the first cell of a group stands
     * for its texts), each with its keys {@code <state label>/<command value>}: those of a new Backup, or the others.
     */
    static Map<TransitionTable.Cell, List<String>> deniedCells(boolean create) {
        Map<String, TransitionTable.Cell> first = new LinkedHashMap<>();
        Map<TransitionTable.Cell, List<String>> out = new LinkedHashMap<>();
        for (TransitionTable.Cell c : TransitionTable.cells()) {
            if (c.allowed() || (c.from() == LogState.NEW) != create) {
                continue;
            }
            TransitionTable.Cell head = first.computeIfAbsent(c.ruleId() + "\n" + c.problem() + "\n" + c.fix(), k -> c);
            out.computeIfAbsent(head, k -> new ArrayList<>()).add(c.from().label() + "/" + c.command().value());
        }
        return out;
    }
}
