package io.brguard.cli.check;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a TiDB Operator v1 object (apiVersion pingcap.com/v1alpha1) becomes its v2 counterpart: the spec fields v1
 * has and v2 does not, each with why, read by comparing the Go types of both (pingcap/tidb-operator release-1.6
 * pkg/apis/pingcap/v1alpha1/types.go BackupSpec, RestoreSpec and BackupScheduleSpec against main 42684baa3
 * api/br/v1alpha1/backup_types.go, restore_types.go and backupschedule_types.go) and pingcap/docs-tidb-operator
 * release-2.0 en/v2-vs-v1.md (Dumpling and EBS volume snapshots are gone, no cross-namespace deployment). Every
 * other field keeps its name and meaning.
 */
final class V1Migration {

    private static final String EBS = "v2 dropped EBS volume snapshot backup and restore";
    private static final Map<String, String> BACKUP = fields(
            "from", "v2 runs BR only; the Dumpling backups that connected to TiDB through it are gone",
            "dumpling", "v2 runs BR only; Dumpling backups are gone",
            "tikvGCLifeTime", "v2 has no such field; BR keeps its own GC safe point",
            "calcSizeLevel", EBS,
            "federalVolumeBackupPhase", EBS,
            "resumeGcSchedule", EBS,
            "volumeAttributesClassName", "v2 has no such field",
            "automountServiceAccountToken", "v2 has no such field");
    private static final Map<String, String> RESTORE = fields(
            "to", "v2 runs BR only; the Lightning restores that connected to TiDB through it are gone",
            "tikvGCLifeTime", "v2 has no such field; BR keeps its own GC safe point",
            "prune", EBS,
            "federalVolumeRestorePhase", EBS,
            "volumeAZ", EBS,
            "warmup", EBS,
            "warmupImage", EBS,
            "warmupStrategy", EBS,
            "volumeAttributesClassName", "v2 has no such field",
            "automountServiceAccountToken", "v2 has no such field");
    private static final Map<String, String> SCHEDULE = fields(
            "compactInterval", "v2 names it compactSpan",
            "minCompactStartTs", "v2 has no such field",
            "volumeAttributesClassName", "v2 has no such field");

    private V1Migration() {
    }

    private static Map<String, String> fields(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** What to change in a v1 object of a kind v2 also has, as one clause; never empty. */
    static String steps(String kind, JsonNode tree) {
        List<String> changes = new ArrayList<>();
        changes.add("set apiVersion: br.pingcap.com/v1alpha1");
        JsonNode spec = tree.path("spec");
        String namespace = tree.path("metadata").path("namespace").asString("");
        switch (kind) {
            case "Backup" -> backupLike(spec, "spec", BACKUP, namespace, changes);
            case "Restore" -> backupLike(spec, "spec", RESTORE, namespace, changes);
            case "BackupSchedule" -> {
                gone(spec, "spec", SCHEDULE, changes);
                for (String t : List.of("backupTemplate", "logBackupTemplate")) {
                    if (spec.path(t).isObject()) {
                        backupLike(spec.path(t), "spec." + t, BACKUP, namespace, changes);
                    }
                }
            }
            default -> {
            }
        }
        return String.join("; ", changes);
    }

    private static void backupLike(JsonNode spec, String at, Map<String, String> table, String namespace, List<String> changes) {
        gone(spec, at, table, changes);
        if ("volume-snapshot".equals(spec.path("backupMode").asString("")) || "volume-snapshot".equals(spec.path("restoreMode").asString(""))) {
            changes.add("no volume-snapshot mode at " + at + " (" + EBS + ")");
        }
        String clusterNamespace = spec.path("br").path("clusterNamespace").asString("");
        if (!clusterNamespace.isEmpty() && !namespace.isEmpty() && !clusterNamespace.equals(namespace)) {
            changes.add(at + ".br.clusterNamespace " + clusterNamespace
                    + ": v2 reads the Cluster from the object's own namespace, so move it to " + clusterNamespace);
        }
    }

    private static void gone(JsonNode spec, String at, Map<String, String> table, List<String> changes) {
        table.forEach((field, why) -> {
            if (spec.has(field)) {
                changes.add("remove " + at + "." + field + " (" + why + ")");
            }
        });
    }
}
