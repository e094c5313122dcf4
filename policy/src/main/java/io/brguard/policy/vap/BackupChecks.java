package io.brguard.policy.vap;

import io.brguard.policy.Mutator;
import io.brguard.policy.SpecSchema;
import io.brguard.policy.rules.ImmutableRules;
import io.brguard.policy.rules.TransitionRules;
import io.brguard.policy.state.EffectiveCommand;
import io.brguard.policy.state.LogState;
import io.brguard.policy.state.TransitionTable;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.brguard.policy.vap.Cel.and;
import static io.brguard.policy.vap.Cel.not;
import static io.brguard.policy.vap.Cel.or;
import static io.brguard.policy.vap.Cel.q;
import static io.brguard.policy.vap.Cel.str;
import static io.brguard.policy.vap.Cel.strings;

/**
 * The policy for Backups: the variables every check reads (the old object's log state as {@link LogState} reads
 * it, the log command as {@link io.brguard.policy.state.LogCommand} reads it, the fields an update changes), the
 * spec's field checks, the transition table's denied cells and TransitionRules' other checks judged from the old
 * status, and ImmutableRules.
 */
final class BackupChecks {
    private static final Scope S = Scope.BACKUP;

    private BackupChecks() {
    }

    /** The policy's variables, in order: each may read the ones before it. */
    static Map<String, String> variables() {
        Map<String, String> v = Scope.common();
        v.putAll(S.variables());
        v.put("mode", mode("variables.spec"));
        v.put("oldMode", mode("variables.oldSpec"));
        v.put("type", backupType("variables.spec", "variables.mode"));
        v.put("oldType", backupType("variables.oldSpec", "variables.oldMode"));
        v.put("clusters", and(short_("variables.spec", "br.cluster"), short_("variables.spec", "br.clusterNamespace"),
                short_("variables.oldSpec", "br.cluster"), short_("variables.oldSpec", "br.clusterNamespace")));
        v.put("cluster", cluster("variables.spec"));
        v.put("oldCluster", cluster("variables.oldSpec"));
        v.put("location", segments("variables.spec"));
        v.put("oldLocation", segments("variables.oldSpec"));
        v.put("locations", and(locationJudged("variables.spec"), locationJudged("variables.oldSpec")));
        v.put("phase", "oldObject == null ? '' : oldObject.?status.?phase.orValue('')");
        v.put("started", "oldObject != null && oldObject.?status.?commitTs.orValue('') != ''");
        v.put("state", state());
        v.put("cell", "variables.state + '/' + variables.cmd");
        // TransitionRules judges a log backup asking for a command it knows, when new or when it was a log backup.
        v.put("transitions", and("variables.log", SpecChecks.known("variables.cmd"), or("variables.create", "variables.oldLog")));
        v.put("subStatuses", "oldObject == null ? {} : oldObject.?status.?logSubCommandStatuses.orValue({})");
        v.put("rerun", rerunKey());
        v.put("rerunPhase", "variables.rerun in variables.subStatuses ? "
                + "variables.subStatuses[variables.rerun].?phase.orValue('') : ''");
        v.put("changed", changed());
        v.put("frozen", frozen());
        return v;
    }

    /** {@link LogState#of}, read off the same table: the old phase, and whether status.commitTs is set. */
    private static String state() {
        StringBuilder b = new StringBuilder("variables.create ? " + q(LogState.NEW.label()) + " :\n");
        for (LogState.Phase p : LogState.PHASES) {
            b.append(p.phases().size() == 1 ? "variables.phase == " + q(p.phases().get(0))
                            : "variables.phase in " + strings(p.phases()))
                    .append(" ? ").append(stateOf(p)).append(" :\n");
        }
        return b.append(stateOf(LogState.UNLISTED_PHASE)).toString();
    }

    private static String stateOf(LogState.Phase p) {
        return p.started() == p.notStarted() ? q(p.started().label())
                : "(variables.started ? " + q(p.started().label()) + " : " + q(p.notStarted().label()) + ")";
    }

    /**
     * The status.logSubCommandStatuses key of the command TiDB Operator runs next for the spec
     * ({@link EffectiveCommand#ofSubcommand}): an empty command is log-stop once Stopped, log-start on a Paused
     * Backup is the resume.
     */
    private static String rerunKey() {
        return "variables.cmd == 'log-stop' || variables.cmd == 'log-pause' ? variables.cmd : "
                + "variables.cmd == 'log-start' ? (variables.phase == 'Paused' ? 'log-resume' : 'log-start') : "
                + "(variables.phase == 'Stopped' ? 'log-stop' : 'log-start')";
    }

    /**
     * The fields of the Backup spec schema an update changes, as brguard's SpecDiff names them (spec.br.options),
     * compared as brguard compares them after its defaulting: unset and '' are one value, a CRD default is the same
     * as the value it fills in, backupType full is a snapshot's default, a lone logStop: true is log-stop. Objects
     * the schema leaves open (resources, affinity, s3, ...) are not compared: a change inside one goes unnoticed
     * here and is the webhook's to judge.
     */
    static List<String> comparedPaths() {
        List<String> out = new ArrayList<>();
        paths("spec", SpecSchema.document(), out);
        return out;
    }

    private static void paths(String prefix, JsonNode schema, List<String> out) {
        for (var e : schema.path("properties").properties()) {
            String path = prefix + "." + e.getKey();
            JsonNode type = e.getValue().path("type");
            if (e.getValue().has("properties")) {
                paths(path, e.getValue(), out);
            } else if (!type.asString("").equals("object") && !path.equals("spec.logStop")) {
                out.add(path);
            }
        }
    }

    private static String changed() {
        return "variables.create ? [] :\n" + changedPaths("variables.oldSpec", "variables.spec", "variables.oldCmd", "variables.cmd");
    }

    /** The list of {@link #comparedPaths()} whose values differ between two spec roots (optional roots allowed). */
    static String changedPaths(String oldRoot, String newRoot, String oldCmd, String newCmd) {
        JsonNode schema = SpecSchema.document();
        List<String> parts = new ArrayList<>();
        for (String path : comparedPaths()) {
            String dotted = path.substring("spec.".length());
            String old;
            String now;
            if (path.equals("spec.logSubcommand")) {
                old = oldCmd;
                now = newCmd;
            } else if (path.equals("spec.backupType")) {
                old = backupType(oldRoot, mode(oldRoot));
                now = backupType(newRoot, mode(newRoot));
            } else if (isString(schema, dotted)) {
                old = normalized(oldRoot, dotted);
                now = normalized(newRoot, dotted);
            } else {
                old = Cel.any(oldRoot, dotted);
                now = Cel.any(newRoot, dotted);
            }
            parts.add("(" + old + " != " + now + " ? [" + q(path) + "] : [])");
        }
        return String.join(" +\n", parts);
    }

    private static boolean isString(JsonNode schema, String dotted) {
        JsonNode n = schema;
        for (String part : dotted.split("\\.")) {
            n = n.path("properties").path(part);
        }
        return n.path("type").asString("").equals("string");
    }

    /** A string as brguard reads it after the CRD's defaulting: '' and unset are the default where there is one. */
    private static String normalized(String root, String dotted) {
        for (Mutator.CrdDefault d : Mutator.CRD_DEFAULTS) {
            if (d.path().equals(dotted) && d.value() instanceof String value) {
                String present = d.parent().isEmpty() ? "" : Cel.has(root, d.parent()) + " && ";
                return "(" + present + str(root, dotted) + " == '' ? " + q(value) + " : " + str(root, dotted) + ")";
            }
        }
        return str(root, dotted);
    }

    static String mode(String root) {
        return "(" + str(root, "backupMode") + " == '' ? 'snapshot' : " + str(root, "backupMode") + ")";
    }

    /** backupType after brguard's defaulting: full on a snapshot that leaves it out. */
    private static String backupType(String root, String mode) {
        return "(" + str(root, "backupType") + " != '' ? " + str(root, "backupType") + " : (" + mode
                + " == 'snapshot' ? 'full' : ''))";
    }

    /** Every check of the Backup policy. */
    static List<Check> checks() {
        List<Check> out = new ArrayList<>(SpecChecks.fields(S));
        out.add(nameTooLong());
        out.add(SpecChecks.unsupported(S));
        out.addAll(SpecChecks.newCells(S));
        out.addAll(cells());
        out.addAll(notRerun());
        out.add(truncateNeedsStart());
        out.add(filterBreaksCommand());
        out.add(commitTsIgnored());
        out.addAll(frozenSpec());
        out.add(snapshotStarted());
        out.addAll(immutable());
        return out;
    }

    private static String phaseText() {
        return "(variables.phase == '' ? '(empty)' : variables.phase)";
    }

    /** {@code <old command> -> <new command>, phase <phase>}, as TransitionRules quotes a change of command. */
    private static String commandChange() {
        return SpecChecks.label("variables.oldCmd") + " + ' -> ' + " + SpecChecks.label("variables.cmd")
                + " + ', phase ' + " + phaseText();
    }

    private static Check nameTooLong() {
        String name = "object.metadata.?name.orValue('')";
        String longest = "('backup-' + " + name + " + (variables.log ? '-log-truncate' : ''))";
        String max = String.valueOf(io.brguard.policy.rules.FieldRules.MAX_JOB_NAME);
        return Denial.built("field.name-too-long", "metadata.name", and("variables.create", name + " != ''",
                        "size(" + longest + ") > " + max),
                "field.name-too-long metadata.name: TiDB Operator would name a Job of this Backup over " + max
                        + " characters, and Kubernetes refuses Job names over " + max + "; use a shorter name",
                Denial.line("'field.name-too-long metadata.name: TiDB Operator would name a Job of this Backup ' + (variables.log ? "
                                + q(io.brguard.policy.rules.FieldRules.JOB_LOG) + " : " + q(io.brguard.policy.rules.FieldRules.JOB_SNAPSHOT)
                                + ") + ', ' + string(size(" + longest + ")) + "
                                + q(" characters, and Kubernetes refuses Job names over " + max),
                        "string(size(" + name + ")) + ' characters'",
                        "'use a name of at most ' + string(" + max + " - (size(" + longest + ") - size(" + name + ")))"
                                + " + ' characters for a ' + (variables.log ? 'log' : 'snapshot') + ' backup'"),
                Check.Fidelity.EXACT);
    }

    /** The denied cells for an update that changes the log command, judged from the old state. */
    private static List<Check> cells() {
        List<Check> out = new ArrayList<>();
        for (Map.Entry<TransitionTable.Cell, List<String>> group : SpecChecks.deniedCells(false).entrySet()) {
            TransitionTable.Cell cell = group.getKey();
            out.add(Denial.of(cell.ruleId(), "spec.logSubcommand", and("variables.transitions", "!variables.create",
                            "variables.cmd != variables.oldCmd", "variables.cell in " + strings(group.getValue())),
                    cell.problem(), commandChange(), cell.fix(), Check.Fidelity.EXACT));
        }
        return out;
    }

    private static List<String> allDeniedCells() {
        List<String> out = new ArrayList<>();
        SpecChecks.deniedCells(false).values().forEach(out::addAll);
        return out;
    }

    /** transition.subcommand-not-rerun: a command whose own last run failed (or completed) is not asked again. */
    private static List<Check> notRerun() {
        String sync = "(variables.rerun == 'log-start' ? variables.started : variables.rerun == 'log-stop' ? "
                + "variables.phase == 'Stopped' : variables.rerun == 'log-pause' ? variables.phase == 'Paused' : "
                + "variables.phase == 'Running')";
        String complete = "variables.rerunPhase == 'Complete'";
        StringBuilder failedFix = new StringBuilder("(");
        for (EffectiveCommand e : List.of(EffectiveCommand.STOP, EffectiveCommand.PAUSE, EffectiveCommand.RESUME)) {
            failedFix.append("variables.rerun == ").append(q(e.key())).append(" ? ").append(q(TransitionRules.notRerunFix(e))).append(" : ");
        }
        failedFix.append(q(TransitionRules.notRerunFix(EffectiveCommand.START))).append(")");
        String head = "'" + TransitionRules.NOT_RERUN + " spec.logSubcommand: status.logSubCommandStatuses[' + variables.rerun"
                + " + '] is ' + variables.rerunPhase + (" + complete + " ? " + q(TransitionRules.NOT_RERUN_COMPLETE)
                + " : " + q(TransitionRules.NOT_RERUN_FAILED) + ") + variables.rerun + (" + complete + " ? "
                + q(TransitionRules.NOT_RERUN_COMPLETE_END) + " : " + q(TransitionRules.NOT_RERUN_FAILED_END) + ")";
        Check command = Denial.built(TransitionRules.NOT_RERUN, "spec.logSubcommand", and("variables.transitions",
                        "!variables.create", "variables.cmd != variables.oldCmd", not("variables.cell in " + strings(allDeniedCells())),
                        not(sync), "variables.rerunPhase in ['Complete', 'Failed']"),
                TransitionRules.NOT_RERUN + " spec.logSubcommand: its entry in status.logSubCommandStatuses says it ran "
                        + "before, and TiDB Operator does not run it again; delete this Backup and create a new one",
                Denial.line(head, commandChange(), "(" + complete + " ? " + q(TransitionRules.NOT_RERUN_COMPLETE_FIX) + " : "
                        + failedFix + ")"), Check.Fidelity.EXACT);
        String until = S.str("logTruncateUntil");
        String truncate = "variables.subStatuses['log-truncate']";
        Check truncated = Denial.exact(TransitionRules.NOT_RERUN, "spec.logTruncateUntil", and("variables.transitions",
                        "!variables.create", until + " != ''", S.oldStr("logTruncateUntil") + " != " + until,
                        "'log-truncate' in variables.subStatuses", truncate + ".?phase.orValue('') == 'Failed'",
                        truncate + ".?logTruncatingUntil.orValue('') == " + until),
                TransitionRules.TRUNCATE_FAILED_PROBLEM, until, TransitionRules.TRUNCATE_FAILED_FIX);
        return List.of(command, truncated);
    }

    private static List<String> labels(Set<LogState> states) {
        return new TreeSet<>(states.stream().map(LogState::label).toList()).stream().toList();
    }

    private static Check truncateNeedsStart() {
        String until = S.str("logTruncateUntil");
        return Denial.exact(TransitionRules.TRUNCATE_NEEDS_START, "spec.logTruncateUntil", and("variables.transitions",
                        "!variables.create", until + " != ''", S.oldStr("logTruncateUntil") + " != " + until, "!variables.started",
                        not("variables.state in " + strings(labels(TransitionRules.TRUNCATE_JUDGED_ELSEWHERE)))),
                TransitionRules.TRUNCATE_NEEDS_START_PROBLEM, "'phase ' + " + phaseText(), TransitionRules.TRUNCATE_NEEDS_START_FIX);
    }

    private static Check filterBreaksCommand() {
        String until = S.str("logTruncateUntil");
        return Denial.exact(TransitionRules.FILTER_BREAKS_COMMAND, "spec.tableFilter", and("variables.transitions",
                        "!variables.create", "size(" + S.list("tableFilter") + ") > 0",
                        or("variables.cmd != variables.oldCmd", and(until + " != ''", S.oldStr("logTruncateUntil") + " != " + until)),
                        "variables.started"),
                TransitionRules.FILTER_BREAKS_COMMAND_PROBLEM, null, TransitionRules.FILTER_BREAKS_COMMAND_FIX);
    }

    private static Check commitTsIgnored() {
        String ts = S.str("commitTs");
        String head = q(TransitionRules.COMMIT_TS_IGNORED + " spec.commitTs: " + TransitionRules.COMMIT_TS_IGNORED_PROBLEM);
        String fix = q(TransitionRules.COMMIT_TS_IGNORED_FIX);
        return Denial.built(TransitionRules.COMMIT_TS_IGNORED, "spec.commitTs", and("variables.transitions", "!variables.create",
                        S.oldStr("commitTs") + " != " + ts, "variables.started"),
                TransitionRules.COMMIT_TS_IGNORED + " spec.commitTs: " + TransitionRules.COMMIT_TS_IGNORED_PROBLEM + "; "
                        + TransitionRules.COMMIT_TS_IGNORED_FIX,
                ts + " == '' ? " + Denial.line(head, null, fix) + " : " + Denial.line(head, ts, fix), Check.Fidelity.EXACT);
    }

    /** A changed field in {@code paths}, named as brguard names it. */
    private static String firstChanged(List<String> paths) {
        return "variables.changed.filter(p, !(p in " + strings(comparedPaths().stream().filter(p -> !paths.contains(p)).toList()) + "))[0]";
    }

    /** The fields of a log backup's old state that may not change there and that the update changes. */
    private static String frozen() {
        StringBuilder b = new StringBuilder();
        for (TransitionRules.Frozen f : TransitionRules.FROZEN_SPEC.values()) {
            List<String> fixed = comparedPaths().stream()
                    .filter(p -> !f.editable().contains(p) && !ImmutableRules.covers(p, true)).toList();
            b.append("variables.state == ").append(q(f.state().label())).append(" ? variables.changed.filter(p, p in ")
                    .append(strings(fixed)).append(") :\n");
        }
        return b.append("[]").toString();
    }

    /** In a state where TiDB Operator no longer acts on the spec, only the fields TransitionRules.FROZEN_SPEC lists change. */
    private static List<Check> frozenSpec() {
        List<Check> out = new ArrayList<>();
        for (TransitionRules.Frozen f : TransitionRules.FROZEN_SPEC.values()) {
            out.add(Denial.built(f.ruleId(), "spec.<field>", and("variables.transitions", "!variables.create",
                            "variables.state == " + q(f.state().label()), "size(variables.frozen) > 0"),
                    f.ruleId() + " spec: " + f.problem() + "; " + f.fix(),
                    Denial.line("'" + f.ruleId() + " ' + variables.frozen[0] + " + q(": " + f.problem()),
                            "'phase ' + " + phaseText(), q(f.fix())), Check.Fidelity.EXACT));
        }
        return out;
    }

    /** A snapshot backup that has a phase has run: nothing but cleanPolicy changes (and ImmutableRules' fields). */
    private static Check snapshotStarted() {
        List<String> fixed = comparedPaths().stream()
                .filter(p -> !TransitionRules.SNAPSHOT_EDITABLE.contains(p) && !ImmutableRules.covers(p, false)).toList();
        return Denial.built(TransitionRules.SNAPSHOT_STARTED, "spec.<field>", and("!variables.create", "!variables.log",
                        "!variables.oldLog", "variables.phase != ''", "variables.changed.exists(p, !(p in " + strings(
                                comparedPaths().stream().filter(p -> !fixed.contains(p)).toList()) + "))"),
                TransitionRules.SNAPSHOT_STARTED + " spec: " + TransitionRules.SNAPSHOT_STARTED_PROBLEM + "; "
                        + TransitionRules.SNAPSHOT_STARTED_FIX,
                Denial.line("'" + TransitionRules.SNAPSHOT_STARTED + " ' + " + firstChanged(fixed) + " + "
                        + q(": " + TransitionRules.SNAPSHOT_STARTED_PROBLEM), "'phase ' + variables.phase",
                        q(TransitionRules.SNAPSHOT_STARTED_FIX)), Check.Fidelity.EXACT);
    }

    private static String described(String value) {
        return "(" + value + " == '' ? " + q(ImmutableRules.UNSET) + " : " + value + ")";
    }

    /** The TiDB cluster as Specs.cluster reads it: namespace/name, the namespace the Backup's own by default. */
    private static String cluster(String root) {
        return "(" + str(root, "br.cluster") + " == '' ? '' : (" + str(root, "br.clusterNamespace") + " != '' ? "
                + str(root, "br.clusterNamespace") + " : variables.namespace) + '/' + " + str(root, "br.cluster") + ")";
    }

    /**
     * The Azure location as Specs.location reads it: the segments of container and prefix split at every '/', the
     * container first; none without azblob or a container.
     */
    private static String segments(String root) {
        return "!" + Cel.has(root, "azblob") + " || " + str(root, "azblob.container") + " == '' || !(" + locationJudged(root)
                + ") ? [] : (" + str(root, "azblob.container")
                + " + '/' + " + str(root, "azblob.prefix") + ").split('/').filter(x, x != '')";
    }

    /** A string short enough to quote and concatenate within the cost bound. */
    static String short_(String root, String dotted) {
        return "size(" + str(root, dotted) + ") <= " + SpecChecks.TRAVERSED;
    }

    /** Container and prefix short enough to split within the cost bound (SpecChecks.TRAVERSED each). */
    private static String locationJudged(String root) {
        return "size(" + str(root, "azblob.container") + ") + size(" + str(root, "azblob.prefix") + ") <= " + 2 * SpecChecks.TRAVERSED;
    }

    private static String url(String segments) {
        return "('azure://' + " + segments + ".join('/') + '/')";
    }

    private static List<Check> immutable() {
        String update = "!variables.create";
        String id = ImmutableRules.ID;
        String fix = ImmutableRules.FIX;
        String sameProviders = S.oldProviders() + " == " + S.providers();
        String o = "variables.oldSpec";
        String n = "variables.spec";
        List<Check> out = new ArrayList<>();
        out.add(Denial.exact(id, "spec.backupMode", and(update, "variables.oldMode != variables.mode"), ImmutableRules.FIELD,
                "variables.oldMode + ' -> ' + variables.mode", fix));
        out.add(Denial.exact(id, "spec.backupType", and(update, "variables.oldType != variables.type"), ImmutableRules.FIELD,
                described("variables.oldType") + " + ' -> ' + " + described("variables.type"), fix));
        String clusterChange = described("variables.oldCluster") + " + ' -> ' + " + described("variables.cluster");
        String nameChanged = str(o, "br.cluster") + " != " + str(n, "br.cluster");
        out.add(Denial.exact(id, "spec.br.cluster", and(update, "variables.clusters", nameChanged), ImmutableRules.CLUSTER, clusterChange, fix));
        out.add(Denial.exact(id, "spec.br.clusterNamespace", and(update, "variables.clusters", not(nameChanged),
                        "variables.oldCluster != variables.cluster"),
                ImmutableRules.CLUSTER, clusterChange, fix));
        out.add(Denial.exact(id, "spec", and(update, not(sameProviders)), ImmutableRules.PROVIDER,
                S.oldProviders() + ".join(',') + ' -> ' + " + S.providers() + ".join(',')", fix));
        String located = "size(variables.location) > 0";
        String oldLocated = "size(variables.oldLocation) > 0";
        String both = and(update, "variables.locations", sameProviders, oldLocated, located);
        out.add(Denial.exact(id, "spec.azblob.container", and(update, "variables.locations", sameProviders, "(" + oldLocated + ") != (" + located + ")"),
                ImmutableRules.LOCATION, "(" + oldLocated + " ? " + url("variables.oldLocation") + " : " + q(ImmutableRules.UNSET)
                        + ") + ' -> ' + (" + located + " ? " + url("variables.location") + " : " + q(ImmutableRules.UNSET) + ")", fix));
        String account = "azblob.storageAccount";
        out.add(Denial.exact(id, "spec.azblob.storageAccount", and(both, short_(o, account), short_(n, account),
                        str(o, account) + " != " + str(n, account)),
                ImmutableRules.ACCOUNT, "(" + str(o, account) + " == '' ? " + q(ImmutableRules.FROM_SECRET) + " : " + str(o, account)
                        + ") + ' -> ' + (" + str(n, account) + " == '' ? " + q(ImmutableRules.FROM_SECRET) + " : " + str(n, account) + ")", fix));
        out.add(Denial.exact(id, "spec.azblob.container", and(both, "variables.oldLocation[0] != variables.location[0]"),
                ImmutableRules.CONTAINER, "variables.oldLocation[0] + ' -> ' + variables.location[0]", fix));
        out.add(Denial.exact(id, "spec.azblob.prefix", and(both, "variables.oldLocation[0] == variables.location[0]",
                        "variables.oldLocation != variables.location"), ImmutableRules.PREFIX,
                url("variables.oldLocation") + " + ' -> ' + " + url("variables.location"), fix));
        out.add(Denial.exact(id, "spec.tableFilter", and(update, "variables.log", or("variables.started",
                        "variables.state in " + strings(labels(ImmutableRules.FILTER_FIXED))),
                        Cel.list(o, "tableFilter") + " != " + Cel.list(n, "tableFilter"), Cel.has(n, "tableFilter")),
                ImmutableRules.FILTER, null, ImmutableRules.FILTER_FIX));
        return out;
    }
}
