package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Operation;
import io.brguard.policy.Specs;
import io.brguard.policy.state.LogState;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fields fixed once the Backup exists. TiDB Operator reads them at each Job and BR keys the task to them, so a
 * change would move a live task to another cluster or prefix, or orphan its data.
 */
public final class ImmutableRules implements RuleFamily {

    /** JSON pointer in the spec -> field path, for the fields that never change. */
    private static final Map<String, String> ALWAYS = Map.of(
            "/backupMode", "spec.backupMode",
            "/backupType", "spec.backupType",
            "/br/cluster", "spec.br.cluster",
            "/br/clusterNamespace", "spec.br.clusterNamespace",
            "/azblob/container", "spec.azblob.container",
            "/azblob/prefix", "spec.azblob.prefix",
            "/azblob/storageAccount", "spec.azblob.storageAccount");
    private static final List<String> ORDER = List.of("/backupMode", "/backupType", "/br/cluster",
            "/br/clusterNamespace", "/azblob/container", "/azblob/prefix", "/azblob/storageAccount");
    private static final Set<String> PROVIDERS = Set.of("s3", "gcs", "azblob", "local");

    /** Whether a change at this path is reported here (so other families need not repeat it). */
    public static boolean covers(String path) {
        return ALWAYS.containsValue(path) || path.equals("spec.tableFilter") || path.startsWith("spec.tableFilter")
                || PROVIDERS.stream().anyMatch(p -> path.equals("spec." + p));
    }

    @Override
    public void check(Context ctx, Findings out) {
        if (ctx.operation() != Operation.UPDATE || ctx.oldSpec() == null) {
            return;
        }
        for (String pointer : ORDER) {
            if (ctx.changed(pointer)) {
                String path = ALWAYS.get(pointer);
                out.deny("immutable.field", path, "cannot change once the Backup exists",
                        describe(ctx.oldSpecTree().at(pointer)) + " -> " + describe(ctx.newSpecTree().at(pointer)),
                        "revert it, or create a new Backup with a new name");
            }
        }
        List<String> oldProviders = providers(ctx.oldSpecTree());
        List<String> newProviders = providers(ctx.newSpecTree());
        if (!oldProviders.equals(newProviders)) {
            out.deny("immutable.field", "spec", "the storage provider cannot change once the Backup exists",
                    String.join(",", oldProviders) + " -> " + String.join(",", newProviders),
                    "revert it, or create a new Backup with a new name");
        }
        if (Specs.isLog(ctx.spec()) && started(ctx) && ctx.changed("/tableFilter")) {
            out.deny("immutable.field", "spec.tableFilter",
                    "the filter of a started log backup is fixed in the BR task", null,
                    "stop this task and start a new Backup with the new filter");
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
        for (String p : List.of("s3", "gcs", "azblob", "local")) {
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
