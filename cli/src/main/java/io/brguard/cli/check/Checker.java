package io.brguard.cli.check;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.DocumentLookups;
import io.brguard.policy.Json;
import io.brguard.policy.KindPolicy;
import io.brguard.policy.Kinds;
import io.brguard.policy.Manifests;
import io.brguard.policy.Operation;
import io.brguard.policy.Policy;
import io.brguard.policy.RestoreIndex;
import io.brguard.policy.Verdict;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.Restore;
import io.brguard.policy.state.LogCommand;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The offline check: pairs every object of a judged kind (Backup, BackupSchedule, Restore) in the checked files with its old
 * version (live object, or the same kind, namespace and name at a git ref or in another folder) and asks the same
 * {@link Policy} the webhook asks. Without a real status, the old status is assumed from the old spec (log-stop
 * means Stopped, a schedule with a log template has started its log backup, an applied Restore has run) and the
 * result says so.
 * Cross-object rules see the Backups that exist already (checked ones with an old version, live ones, known
 * objects) and, for a new Backup, the new ones before it in file order.
 */
public final class Checker {

    /**
     * Where the old versions come from; every field may be empty. {@code liveGiven}: a live snapshot was given, so
     * its Backups (with the checked files' new ones) are all the cluster has, and a location none of them writes to
     * is a fact for the Restore rules.
     */
    public record History(Source old, Source live, boolean liveGiven) {
        public History(Source old, Source live) {
            this(old, live, !live.documents().isEmpty());
        }
    }

    /** The old version used for an UPDATE. */
    public record Old(String source, String phase, String assumedFrom) {
    }

    /** The decision on one document. */
    public record Result(Manifests.Document doc, Operation operation, Old old, Verdict verdict, String mode, List<String> wouldDeny) {
        public Result(Manifests.Document doc, Operation operation, Old old, Verdict verdict) {
            this(doc, operation, old, verdict, null, List.of());
        }

        /** {@code namespace/name}, after the kind for kinds other than Backup: {@code BackupSchedule test1/daily}. */
        public String key() {
            return Checker.key(doc);
        }
    }

    /**
     * How a document is named in output and paired with its old version: Backups by namespace/name, others by kind
     * too; {@code (no namespace)/name} when no namespace is known for it.
     */
    static String key(Manifests.Document d) {
        String nsName = (d.declaresNamespace() ? d.namespace() : NO_NAMESPACE) + "/" + d.name();
        return d.isBackup() ? nsName : d.kind() + " " + nsName;
    }

    static final String NO_NAMESPACE = "(no namespace)";

    /** Why a rule that needs the object's namespace was not checked. */
    static final String NAMESPACE_UNKNOWN = "namespace unknown (pass -n, set metadata.namespace or a kustomization namespace, "
            + "or check the folder with the Argo CD Application or Flux Kustomization that syncs it)";

    /** What makes a check fail besides a denial: {@code --fail-on warning|unchecked}. */
    public enum FailOn { WARNING, UNCHECKED }

    /**
     * Everything the check found. {@code problemKinds} names the kind an input problem is about, where it is known
     * (a Backup declared twice, a near-miss of the BackupSchedule kind); {@code failOn} what else than a denial
     * makes the exit code 1.
     */
    public record Report(List<Result> results, List<Manifests.Problem> problems, List<String> notes,
                         Map<Manifests.Problem, String> problemKinds, java.util.Set<FailOn> failOn) {
        public Report {
            results = List.copyOf(results);
            problems = List.copyOf(problems);
            notes = List.copyOf(notes);
            problemKinds = Map.copyOf(problemKinds);
            failOn = failOn.isEmpty() ? java.util.Set.of() : java.util.Set.copyOf(java.util.EnumSet.copyOf(failOn));
        }

        public Report(List<Result> results, List<Manifests.Problem> problems, List<String> notes) {
            this(results, problems, notes, Map.of(), java.util.Set.of());
        }

        /** The same report with one more input problem. */
        public Report withProblem(Manifests.Problem p) {
            List<Manifests.Problem> all = new ArrayList<>(problems);
            all.add(p);
            return new Report(results, all, notes, problemKinds, failOn);
        }

        /** The same report, failing also on these. */
        public Report failingOn(java.util.Set<FailOn> also) {
            return new Report(results, problems, notes, problemKinds, also);
        }

        public int exitCode() {
            if (!problems.isEmpty()) {
                return 2;
            }
            return results.stream().anyMatch(this::fails) ? 1 : 0;
        }

        /** Whether this result alone makes the check exit 1: denied, or a finding --fail-on names. */
        public boolean fails(Result r) {
            return !r.verdict().allowed()
                    || (failOn.contains(FailOn.WARNING) && !r.verdict().warnings().isEmpty())
                    || (failOn.contains(FailOn.UNCHECKED) && !r.verdict().unchecked().isEmpty());
        }
    }

    /** The status.commitTs of an assumed log backup status: set (log-start ran), but no TSO anything compares with. */
    static final String ASSUMED_COMMIT_TS = "(assumed)";

    private final Policy policy;
    private final String defaultNamespace;
    private final io.brguard.policy.rollout.RolloutConfig rollout;
    private Progress progress = Progress.none();

    /**
     * @param defaultNamespace the namespace of objects that name none (kubectl's -n), or null when none is given:
     *                         then the rules that need it are not checked for them
     */
    public Checker(Policy policy, String defaultNamespace) {
        this(policy, defaultNamespace, io.brguard.policy.rollout.RolloutConfig.DEFAULT);
    }

    /** With the webhook's rollout configuration: modes and exemptions as the webhook applies them. */
    public Checker(Policy policy, String defaultNamespace, io.brguard.policy.rollout.RolloutConfig rollout) {
        this.policy = policy;
        this.defaultNamespace = defaultNamespace;
        this.rollout = rollout;
    }

    /** Reports the decisions on this progress line as they are made. */
    Checker reporting(Progress p) {
        this.progress = p;
        return this;
    }

    public Report run(Source current, History history, Source objects, boolean objectsComplete) {
        List<Manifests.Problem> problems = new ArrayList<>(current.problems());
        problems.addAll(history.old().problems());
        problems.addAll(history.live().problems());
        problems.addAll(objects.problems());
        List<String> notes = new ArrayList<>();
        for (Source s : List.of(current, history.old(), history.live(), objects)) {
            s.notes().stream().filter(n -> !notes.contains(n)).forEach(notes::add);
        }

        Map<Manifests.Problem, String> problemKinds = new java.util.IdentityHashMap<>();
        Map<String, Manifests.Document> now = judged(current, problems, problemKinds, true);
        Map<String, Manifests.Document> old = judged(history.old(), problems, problemKinds, false);
        Map<String, Manifests.Document> live = judged(history.live(), problems, problemKinds, false);

        // Old objects as compact JSON, made trees again when decided: a tree is ten times the size, and a check of
        // 100,000 Backups against a git ref holds every old one.
        Map<String, byte[]> oldObjects = new LinkedHashMap<>();
        Map<String, Old> oldInfo = new LinkedHashMap<>();
        for (String key : now.keySet()) {
            Manifests.Document l = live.get(key);
            Manifests.Document o = old.get(key);
            if (l != null) {
                JsonNode tree = l.tree();
                oldObjects.put(key, Json.JSON.writeValueAsBytes(tree));
                oldInfo.put(key, new Old(l.where(), phase(tree), null));
            } else if (o != null) {
                JsonNode tree = o.tree();
                String phase = phase(tree);
                String assumedFrom = null;
                if (isRestore(o) && phase.isEmpty()) {
                    // TiDB Operator runs a Restore as soon as it exists, and once: an applied one has run.
                    phase = "Complete";
                    assumedFrom = "an applied Restore, which runs once";
                    ((ObjectNode) tree).putObject("status").put("phase", phase);
                } else if (!o.isBackup() && !isRestore(o)) {
                    Optional<String> assumed = assumeSchedule(tree);
                    if (assumed.isPresent()) {
                        ((ObjectNode) tree).putObject("status").put("logBackup", assumed.get());
                        assumedFrom = "its logBackupTemplate: the log backup " + assumed.get() + " was started";
                    }
                } else if (o.isBackup() && phase.isEmpty()) {
                    Optional<String[]> assumed = assume(tree);
                    if (assumed.isPresent()) {
                        phase = assumed.get()[0];
                        assumedFrom = assumed.get()[1];
                        ObjectNode copy = (ObjectNode) tree;
                        ObjectNode status = copy.putObject("status").put("phase", phase);
                        if ("log".equals(tree.path("spec").path("backupMode").asString(""))) {
                            // An applied log backup had its log-start carried out: TiDB Operator sets
                            // status.commitTs then, and every other command waits for it.
                            status.put("commitTs", ASSUMED_COMMIT_TS);
                        }
                        tree = copy;
                    }
                }
                oldObjects.put(key, Json.JSON.writeValueAsBytes(tree));
                oldInfo.put(key, new Old(o.where(), phase, assumedFrom));
            }
        }

        // The index the cross-object rules ask: every Backup that exists already (a checked one with an old
        // version, carrying its effective status, and live or --objects Backups not in the checked files).
        BackupIndex index = new BackupIndex();
        for (var e : now.entrySet()) {
            byte[] oldJson = oldObjects.get(e.getKey());
            if (oldJson != null && e.getValue().isBackup() && e.getValue().declaresNamespace()) {
                JsonNode o = Json.JSON.readTree(oldJson);
                ObjectNode withStatus = (ObjectNode) e.getValue().tree();
                if (o.has("status")) {
                    withStatus.set("status", o.get("status"));
                }
                bind(withStatus).ifPresent(index::put);
            }
        }
        for (var e : live.entrySet()) {
            if (!now.containsKey(e.getKey()) && e.getValue().isBackup()) {
                bind(e.getValue().tree()).ifPresent(index::put);
            }
        }
        List<Manifests.Document> objectDocs = new ArrayList<>(withDefault(objects.documents()));
        objectDocs.addAll(withDefault(current.documents()));
        for (Manifests.Document d : objects.documents()) {
            String key = key(d);
            if (d.isBackup() && !now.containsKey(key) && !live.containsKey(key)) {
                bind(d.tree()).ifPresent(index::put);
            }
        }
        // The Restores other Restores compare with: live ones with their status, then those only the files declare.
        RestoreIndex restores = new RestoreIndex();
        List<Manifests.Document> restoreDocs = new ArrayList<>(live.values());
        objects.documents().stream().filter(d -> !live.containsKey(key(d))).forEach(restoreDocs::add);
        now.values().stream().filter(d -> !live.containsKey(key(d))).forEach(restoreDocs::add);
        DocumentLookups.restoresOf(restoreDocs.stream().filter(Checker::isRestore).toList(), restores);
        DocumentLookups lookups = new DocumentLookups(objectDocs, objectsComplete, index, history.liveGiven(), restores);
        // An object whose namespace nobody gives is not judged as if in default: its Secret, its Cluster and the
        // Backups it is compared with all depend on the namespace, so those rules are not checked.
        io.brguard.policy.Lookups noNamespace = unknownNamespace();
        long unknown = now.values().stream().filter(d -> !d.declaresNamespace()).count();
        if (unknown > 0) {
            notes.add(unknown + " object(s) name no namespace and none is given for them: the rules that need it are "
                    + "not checked; pass -n NAMESPACE, or check their folder with the Argo CD Application or Flux "
                    + "Kustomization that syncs it" + (rollout.exemptNamespaces().isEmpty() ? ""
                    : "; exemptions.namespaces is not applied to them"));
        }

        // New Backups join the index at their place in file order: a new Backup is compared with what exists and
        // with the new ones before it, so two new Backups that conflict are reported once, on the later one, and n
        // Backups of one cluster give n findings, not n squared. Then every decision is pure and independent.
        int order = 0;
        for (var e : now.entrySet()) {
            if (!oldObjects.containsKey(e.getKey()) && e.getValue().isBackup() && e.getValue().declaresNamespace()) {
                final int place = order++;
                bind(e.getValue().tree()).ifPresent(b -> index.put(b, place));
            }
        }
        Map<String, Result> decided = new ConcurrentHashMap<>();
        progress.deciding(now.size());
        now.entrySet().parallelStream().forEach(e -> {
            byte[] oldJson = oldObjects.get(e.getKey());
            JsonNode oldTree = oldJson == null ? null : Json.JSON.readTree(oldJson);
            Operation op = oldTree == null ? Operation.CREATE : Operation.UPDATE;
            JsonNode tree = e.getValue().tree();
            boolean known = e.getValue().declaresNamespace();
            Verdict v = policy.decide(op, oldTree, tree, known ? lookups : noNamespace);
            io.brguard.policy.rollout.Enforcement.Decision d = io.brguard.policy.rollout.Enforcement.apply(
                    known ? v : withoutNamespace(v), rollout, request(tree));
            decided.put(e.getKey(), new Result(e.getValue(), op, oldInfo.get(e.getKey()), d.verdict(), d.mode(), d.wouldDeny()));
            progress.decided.incrementAndGet();
        });
        List<Result> results = new ArrayList<>(now.size());
        now.keySet().forEach(k -> results.add(decided.get(k)));
        for (var e : old.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                Manifests.Document d = e.getValue();
                JsonNode tree = d.tree();
                results.add(new Result(d, Operation.DELETE, new Old(d.where(), phase(tree), null),
                        policy.decide(Operation.DELETE, tree, null, d.declaresNamespace() ? lookups : noNamespace)));
            }
        }
        return new Report(results, problems, notes, problemKinds, java.util.Set.of());
    }

    private static boolean isRestore(Manifests.Document d) {
        return Restore.KIND.equals(d.kind()) && Restore.API_VERSION.equals(d.apiVersion());
    }

    /**
     * What the rollout reads of a Backup offline: its namespace, labels and break-glass annotation; no user. An
     * unknown namespace matches no exempt namespace.
     */
    private static io.brguard.policy.rollout.Enforcement.Request request(JsonNode tree) {
        return io.brguard.policy.rollout.Enforcement.Request.of(tree.path("metadata").path("namespace").asString(""),
                tree, null, null, null);
    }

    /**
     * Rules that compare a field with the object's own namespace, without a lookup: the policy sees an object that
     * names none as in default, so for it these are not checked either.
     */
    static final java.util.Set<String> COMPARE_NAMESPACE = java.util.Set.of("field.cluster-namespace", "restore.cluster-namespace");

    private static Verdict withoutNamespace(Verdict v) {
        List<io.brguard.policy.Violation> kept = new ArrayList<>();
        List<io.brguard.policy.Unchecked> unchecked = new ArrayList<>(v.unchecked());
        for (io.brguard.policy.Violation x : v.violations()) {
            if (COMPARE_NAMESPACE.contains(x.ruleId())) {
                unchecked.add(new io.brguard.policy.Unchecked(x.ruleId(), x.path(), NAMESPACE_UNKNOWN));
            } else {
                kept.add(x);
            }
        }
        return new Verdict(kept, v.warnings(), v.patch(), unchecked);
    }

    /** Lookups for an object without a namespace: Secrets, Clusters and other Backups cannot be found for it. */
    private static io.brguard.policy.Lookups unknownNamespace() {
        return new io.brguard.policy.Lookups() {
            @Override
            public io.brguard.policy.Lookup<io.brguard.policy.SecretKeys> secret(String namespace, String name) {
                return io.brguard.policy.Lookup.unknown(NAMESPACE_UNKNOWN);
            }

            @Override
            public io.brguard.policy.Lookup<BackupIndex> backups() {
                return io.brguard.policy.Lookup.unknown(NAMESPACE_UNKNOWN);
            }

            @Override
            public io.brguard.policy.Lookup<Boolean> tidbCluster(String namespace, String name) {
                return io.brguard.policy.Lookup.unknown(NAMESPACE_UNKNOWN);
            }

            @Override
            public io.brguard.policy.Lookup<io.brguard.policy.RestoreIndex> restores() {
                return io.brguard.policy.Lookup.unknown(NAMESPACE_UNKNOWN);
            }

            @Override
            public boolean backupsComplete() {
                return false;
            }
        };
    }

    /** The documents with the default namespace (-n) given to those that name none, when there is one. */
    private List<Manifests.Document> withDefault(List<Manifests.Document> docs) {
        return defaultNamespace == null ? docs : Namespaces.map(docs, defaultNamespace, false);
    }

    /** The judged objects of one source by key, with the default namespace filled in; duplicates are problems. */
    private Map<String, Manifests.Document> judged(Source source, List<Manifests.Problem> problems,
                                                   Map<Manifests.Problem, String> problemKinds, boolean checked) {
        Map<String, Manifests.Document> out = new LinkedHashMap<>();
        for (Manifests.Document d : source.documents()) {
            if (d.judgedKind().isEmpty()) {
                String nearMiss = checked ? nearMiss(d) : null;
                if (nearMiss != null) {
                    Manifests.Problem p = new Manifests.Problem(d.source(), d.index(), d.line(), nearMiss);
                    problems.add(p);
                    problemKinds.put(p, meant(d.kind()));
                }
                continue;
            }
            if (d.name().isEmpty()) {
                Manifests.Problem p = new Manifests.Problem(d.source(), d.index(), d.line(), "metadata.name: required field is missing");
                problems.add(p);
                problemKinds.put(p, d.judgedKind().get().kind());
                continue;
            }
            Manifests.Document doc = defaultNamespace == null ? d : Namespaces.set(d, defaultNamespace, false);
            String key = key(doc);
            Manifests.Document first = out.putIfAbsent(key, doc);
            if (first != null) {
                Manifests.Problem p = new Manifests.Problem(d.source(), d.index(), d.line(),
                        (doc.isBackup() ? "Backup " : "") + key + " is declared twice; first at " + first.where());
                problems.add(p);
                problemKinds.put(p, d.kind());
            }
        }
        return out;
    }

    /**
     * Why a document that is not a judged br.pingcap.com/v1alpha1 kind looks meant to be one, or null: a TiDB group
     * with a kind that is one of {@link Kinds} but for its spelling, such a kind with another br.pingcap.com
     * version or without an apiVersion, or TiDB Operator v1's pingcap.com kinds. Other groups' Backups (Velero's)
     * are not near-misses.
     */
    static String nearMiss(Manifests.Document d) {
        String kind = d.kind();
        String apiVersion = d.apiVersion();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : apiVersion;
        Optional<KindPolicy<?>> meant = Kinds.ALL.stream().filter(k -> kind.equalsIgnoreCase(k.kind())
                || kind.equalsIgnoreCase(k.plural())).findFirst();
        if (meant.isEmpty() || !(apiVersion.isEmpty() || group.equals("pingcap.com") || group.endsWith(".pingcap.com"))) {
            return null;
        }
        String want = "brguard checks apiVersion br.pingcap.com/v1alpha1, kind " + meant.get().kind();
        if (group.equals("pingcap.com") && kind.equals(meant.get().kind())) {
            return "apiVersion " + apiVersion + " is TiDB Operator v1's " + kind + "; " + want + " (TiDB Operator v2); to migrate: "
                    + V1Migration.steps(kind, d.tree());
        }
        if (apiVersion.isEmpty()) {
            return "kind " + kind + " without an apiVersion is not checked; " + want;
        }
        return "apiVersion " + apiVersion + ", kind " + kind + " is not checked; " + want;
    }

    /** The judged kind a near-miss was meant as (its spelling aside). */
    private static String meant(String kind) {
        return Kinds.ALL.stream().filter(k -> kind.equalsIgnoreCase(k.kind()) || kind.equalsIgnoreCase(k.plural()))
                .map(KindPolicy::kind).findFirst().orElse(kind);
    }

    private static String phase(JsonNode tree) {
        return tree.path("status").path("phase").asString("");
    }

    /**
     * The phase an old spec leads to once TiDB Operator carried it out: [phase, what it was assumed from].
     * A snapshot runs once, so an applied snapshot is taken as Complete.
     */
    static Optional<String[]> assume(JsonNode oldTree) {
        Optional<Backup> b = bind(oldTree);
        if (b.isEmpty() || b.get().getSpec() == null) {
            return Optional.empty();
        }
        if (!"log".equals(b.get().getSpec().getBackupMode())) {
            return Optional.of(new String[] {"Complete", "an applied snapshot backup"});
        }
        LogCommand cmd = LogCommand.of(b.get().getSpec());
        String from = cmd == LogCommand.NONE ? "no logSubcommand" : "logSubcommand " + (cmd.value() == null ? "?" : cmd.value());
        return switch (cmd) {
            case START, NONE -> Optional.of(new String[] {"Running", from});
            case PAUSE -> Optional.of(new String[] {"Paused", from});
            case STOP -> Optional.of(new String[] {"Stopped", from});
            case UNSUPPORTED -> Optional.empty();
        };
    }

    /**
     * The log backup an applied schedule has started, if its old spec has a log template: brguard's controller
     * creates {@code log-<schedule>} as soon as the schedule exists.
     */
    static Optional<String> assumeSchedule(JsonNode oldTree) {
        if (!oldTree.path("spec").path("logBackupTemplate").isObject() || !oldTree.path("metadata").path("name").isString()) {
            return Optional.empty();
        }
        return Optional.of(io.brguard.policy.schedule.ScheduledBackups.logName(oldTree.path("metadata").path("name").asString()));
    }

    private static Optional<Backup> bind(JsonNode tree) {
        try {
            return Optional.of(Json.toBackup(tree));
        } catch (JacksonException | IllegalArgumentException e) {
            return Optional.empty(); // reported by the schema rule when the object itself is checked
        }
    }
}
