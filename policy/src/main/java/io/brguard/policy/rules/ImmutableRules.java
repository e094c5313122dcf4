package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Operation;
import io.brguard.policy.Specs;
import io.brguard.policy.state.LogState;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Fields fixed once the Backup exists. TiDB Operator reads them at each Job and BR keys the task to them, so a
 * change would move a live task to another cluster or prefix, or orphan its data. The cluster and the storage
 * location are compared by what they mean (the cluster namespace defaults to the Backup's, {@code my-folder} and
 * {@code my-folder/} are one prefix), so spelling out a default is not a change.
 */
public final class ImmutableRules implements RuleFamily<Context> {
    public static final String ID = "immutable.field";
    public static final String FIX = "revert it, or create a new Backup with a new name";
    public static final String FIELD = "cannot change once the Backup exists";
    public static final String CLUSTER = "the TiDB cluster cannot change once the Backup exists";
    public static final String PROVIDER = "the storage provider cannot change once the Backup exists";
    public static final String LOCATION = "the storage location cannot change once the Backup exists";
    public static final String ACCOUNT = "the storage account cannot change once the Backup exists";
    public static final String CONTAINER = "the container cannot change once the Backup exists";
    public static final String PREFIX = "the prefix cannot change once the Backup exists: the task and its data stay where they are";
    public static final String FILTER = "the filter of a started log backup is fixed in the BR task";
    public static final String FILTER_FIX = "stop this task and start a new Backup with the new filter";
    public static final String UNSET = "(unset)";
    public static final String FROM_SECRET = "(from Secret)";
    private static final Set<String> PATHS = Set.of("spec.backupMode", "spec.backupType", "spec.br.cluster",
            "spec.br.clusterNamespace", "spec.azblob.container", "spec.azblob.prefix", "spec.azblob.storageAccount");
    private static final List<String> PROVIDERS = io.brguard.policy.rules.FieldRules.PROVIDERS;
    /** The states of a log backup whose filter is fixed even without status.commitTs. */
    public static final Set<LogState> FILTER_FIXED = Set.of(LogState.RUNNING, LogState.PAUSED, LogState.STOPPED,
            LogState.TASK_FAILED, LogState.RETRYING);

    /**
     * Whether a change at this path is reported here, so other families need not repeat it. The table filter is
     * fixed only for log backups (it lives in the BR task); a started snapshot's filter is TransitionRules' business.
     */
    public static boolean covers(String path, boolean logMode) {
        return PATHS.contains(path) || (logMode && path.startsWith("spec.tableFilter"))
                || PROVIDERS.stream().anyMatch(p -> path.equals("spec." + p));
    }

    @Override
    public void check(Context ctx, Findings out) {
        if (ctx.operation() != Operation.UPDATE || ctx.oldSpec() == null) {
            return;
        }
        raw(ctx, "/backupMode", "spec.backupMode", out);
        raw(ctx, "/backupType", "spec.backupType", out);
        cluster(ctx, out);
        List<String> oldProviders = providers(ctx.oldSpecTree());
        List<String> newProviders = providers(ctx.newSpecTree());
        if (!oldProviders.equals(newProviders)) {
            out.deny(ID, "spec", PROVIDER,
                    String.join(",", oldProviders) + " -> " + String.join(",", newProviders), FIX);
        } else {
            location(ctx, out);
        }
        // Removing the filter is allowed, and it is the way out: TiDB Operator passes --filter to every log command,
        // and only log start defines it (FieldRules, field.log-table-filter), so a filtered task can be paused,
        // truncated or stopped only once the filter is gone. The running task keeps the filter it started with.
        boolean removed = ctx.newSpecTree().path("tableFilter").isMissingNode();
        if (Specs.isLog(ctx.spec()) && started(ctx) && ctx.changed("/tableFilter") && !removed) {
            out.deny(ID, "spec.tableFilter", FILTER, null, FILTER_FIX);
        }
    }

    private static void raw(Context ctx, String pointer, String path, Findings out) {
        if (ctx.changed(pointer)) {
            out.deny(ID, path, FIELD,
                    describe(ctx.oldSpecTree().at(pointer)) + " -> " + describe(ctx.newSpecTree().at(pointer)), FIX);
        }
    }

    private static void cluster(Context ctx, Findings out) {
        Optional<Specs.ClusterRef> before = Specs.cluster(ctx.oldBackup());
        Optional<Specs.ClusterRef> after = Specs.cluster(ctx.newBackup());
        if (before.equals(after)) {
            return;
        }
        String was = before.map(Object::toString).orElse(UNSET);
        String now = after.map(Object::toString).orElse(UNSET);
        boolean nameChanged = !Objects.equals(before.map(Specs.ClusterRef::name), after.map(Specs.ClusterRef::name));
        out.deny(ID, nameChanged ? "spec.br.cluster" : "spec.br.clusterNamespace", CLUSTER, was + " -> " + now, FIX);
    }

    private static void location(Context ctx, Findings out) {
        Optional<Specs.AzureLocation> before = Specs.location(ctx.oldBackup());
        Optional<Specs.AzureLocation> after = Specs.location(ctx.newBackup());
        if (before.isEmpty() && after.isEmpty()) {
            return;
        }
        if (before.isEmpty() || after.isEmpty()) {
            out.deny(ID, "spec.azblob.container", LOCATION,
                    before.map(Object::toString).orElse(UNSET) + " -> " + after.map(Object::toString).orElse(UNSET), FIX);
            return;
        }
        Specs.AzureLocation a = before.get();
        Specs.AzureLocation b = after.get();
        if (!Objects.equals(a.account(), b.account())) {
            out.deny(ID, "spec.azblob.storageAccount", ACCOUNT, Objects.requireNonNullElse(a.account(), FROM_SECRET) + " -> "
                    + Objects.requireNonNullElse(b.account(), FROM_SECRET), FIX);
        }
        if (!a.container().equals(b.container())) {
            out.deny(ID, "spec.azblob.container", CONTAINER, a.container() + " -> " + b.container(), FIX);
        } else if (!a.prefix().equals(b.prefix())) {
            out.deny(ID, "spec.azblob.prefix", PREFIX, a.url() + " -> " + b.url(), FIX);
        }
    }

    private static boolean started(Context ctx) {
        String commitTs = Specs.statusCommitTs(ctx.oldBackup());
        LogState s = ctx.oldState();
        return !Specs.isBlank(commitTs) || FILTER_FIXED.contains(s);
    }

    private static List<String> providers(JsonNode spec) {
        List<String> out = new ArrayList<>();
        for (String p : PROVIDERS) {
            if (spec.has(p) && !spec.get(p).isNull()) {
                out.add(p);
            }
        }
        return out;
    }

    private static String describe(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) {
            return UNSET;
        }
        return n.isString() ? n.asString() : n.toString();
    }
}
