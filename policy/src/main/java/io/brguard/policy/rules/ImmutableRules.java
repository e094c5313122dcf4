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
    private static final String FIX = "revert it, or create a new Backup with a new name";
    private static final Set<String> PATHS = Set.of("spec.backupMode", "spec.backupType", "spec.br.cluster",
            "spec.br.clusterNamespace", "spec.azblob.container", "spec.azblob.prefix", "spec.azblob.storageAccount");
    private static final List<String> PROVIDERS = List.of("s3", "gcs", "azblob", "local");

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
            out.deny("immutable.field", "spec", "the storage provider cannot change once the Backup exists",
                    String.join(",", oldProviders) + " -> " + String.join(",", newProviders), FIX);
        } else {
            location(ctx, out);
        }
        // Removing the filter is allowed, and it is the way out: TiDB Operator passes --filter to every log command,
        // and only log start defines it (FieldRules, field.log-table-filter), so a filtered task can be paused,
        // truncated or stopped only once the filter is gone. The running task keeps the filter it started with.
        boolean removed = ctx.newSpecTree().path("tableFilter").isMissingNode();
        if (Specs.isLog(ctx.spec()) && started(ctx) && ctx.changed("/tableFilter") && !removed) {
            out.deny("immutable.field", "spec.tableFilter",
                    "the filter of a started log backup is fixed in the BR task", null,
                    "stop this task and start a new Backup with the new filter");
        }
    }

    private static void raw(Context ctx, String pointer, String path, Findings out) {
        if (ctx.changed(pointer)) {
            out.deny("immutable.field", path, "cannot change once the Backup exists",
                    describe(ctx.oldSpecTree().at(pointer)) + " -> " + describe(ctx.newSpecTree().at(pointer)), FIX);
        }
    }

    private static void cluster(Context ctx, Findings out) {
        Optional<Specs.ClusterRef> before = Specs.cluster(ctx.oldBackup());
        Optional<Specs.ClusterRef> after = Specs.cluster(ctx.newBackup());
        if (before.equals(after)) {
            return;
        }
        String was = before.map(Object::toString).orElse("(unset)");
        String now = after.map(Object::toString).orElse("(unset)");
        boolean nameChanged = !Objects.equals(before.map(Specs.ClusterRef::name), after.map(Specs.ClusterRef::name));
        out.deny("immutable.field", nameChanged ? "spec.br.cluster" : "spec.br.clusterNamespace",
                "the TiDB cluster cannot change once the Backup exists", was + " -> " + now, FIX);
    }

    private static void location(Context ctx, Findings out) {
        Optional<Specs.AzureLocation> before = Specs.location(ctx.oldBackup());
        Optional<Specs.AzureLocation> after = Specs.location(ctx.newBackup());
        if (before.isEmpty() && after.isEmpty()) {
            return;
        }
        if (before.isEmpty() || after.isEmpty()) {
            out.deny("immutable.field", "spec.azblob.container", "the storage location cannot change once the Backup exists",
                    before.map(Object::toString).orElse("(unset)") + " -> " + after.map(Object::toString).orElse("(unset)"), FIX);
            return;
        }
        Specs.AzureLocation a = before.get();
        Specs.AzureLocation b = after.get();
        if (!Objects.equals(a.account(), b.account())) {
            out.deny("immutable.field", "spec.azblob.storageAccount", "the storage account cannot change once the Backup exists",
                    Objects.requireNonNullElse(a.account(), "(from Secret)") + " -> "
                            + Objects.requireNonNullElse(b.account(), "(from Secret)"), FIX);
        }
        if (!a.container().equals(b.container())) {
            out.deny("immutable.field", "spec.azblob.container", "the container cannot change once the Backup exists",
                    a.container() + " -> " + b.container(), FIX);
        } else if (!a.prefix().equals(b.prefix())) {
            out.deny("immutable.field", "spec.azblob.prefix",
                    "the prefix cannot change once the Backup exists: the task and its data stay where they are",
                    a.url() + " -> " + b.url(), FIX);
        }
    }

    private static boolean started(Context ctx) {
        String commitTs = Specs.statusCommitTs(ctx.oldBackup());
        LogState s = ctx.oldState();
        return !Specs.isBlank(commitTs) || s == LogState.RUNNING || s == LogState.PAUSED || s == LogState.STOPPED
                || s == LogState.TASK_FAILED || s == LogState.RETRYING;
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
            return "(unset)";
        }
        return n.isString() ? n.asString() : n.toString();
    }
}
