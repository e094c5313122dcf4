package io.brguard.policy.testing;

import io.brguard.policy.BackupIndex;
import io.brguard.policy.Json;
import io.brguard.policy.Lookup;
import io.brguard.policy.Lookups;
import io.brguard.policy.RestoreIndex;
import io.brguard.policy.SecretKeys;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.Restore;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lookups described in a test fixture:
 * {@code secrets: {ns/name: [KEY, ...]} | unknown}, {@code backups: [object, ...] | unknown},
 * {@code clusters: {ns/name: true|false} | unknown} (absent: not looked up), {@code restores: [object, ...]} (absent:
 * unknown) and {@code backupsComplete: false} (the Backups are only some of the cluster's, as in a check without
 * --live). An absent secrets/backups entry means "none exist".
 */
public final class FixtureLookups implements Lookups {
    private final Map<String, Set<String>> secrets;
    private final List<Backup> backups;
    private final Map<String, Boolean> clusters;
    private final List<Restore> restores;
    private final boolean backupsComplete;

    private FixtureLookups(Map<String, Set<String>> secrets, List<Backup> backups, Map<String, Boolean> clusters,
                           List<Restore> restores, boolean backupsComplete) {
        this.secrets = secrets;
        this.backups = backups;
        this.clusters = clusters;
        this.restores = restores;
        this.backupsComplete = backupsComplete;
    }

    /** Builds lookups from a fixture node; {@code objects} resolves {@code $file} references in backups. */
    public static FixtureLookups of(JsonNode node, java.util.function.Function<JsonNode, JsonNode> objects) {
        Map<String, Set<String>> secrets = null;
        if (!node.path("secrets").isString()) {
            secrets = new HashMap<>();
            for (var e : node.path("secrets").properties()) {
                Set<String> keys = new HashSet<>();
                e.getValue().forEach(k -> keys.add(k.asString()));
                secrets.put(e.getKey(), keys);
            }
        }
        List<Backup> backups = null;
        if (!node.path("backups").isString()) {
            backups = new ArrayList<>();
            for (JsonNode b : node.path("backups")) {
                backups.add(Json.toBackup(objects.apply(b)));
            }
        }
        Map<String, Boolean> clusters = null;
        if (node.path("clusters").isString()) {
            clusters = Map.of("", false); // "unknown": the lookup is made and cannot tell
        } else if (node.has("clusters")) {
            clusters = new HashMap<>();
            for (var e : node.path("clusters").properties()) {
                clusters.put(e.getKey(), e.getValue().asBoolean());
            }
        }
        List<Restore> restores = null;
        if (node.has("restores")) {
            restores = new ArrayList<>();
            for (JsonNode r : node.path("restores")) {
                restores.add(Json.toRestore(objects.apply(r)));
            }
        }
        return new FixtureLookups(secrets, backups, clusters, restores, node.path("backupsComplete").asBoolean(true));
    }

    @Override
    public boolean backupsComplete() {
        return backupsComplete;
    }

    @Override
    public Lookup<RestoreIndex> restores() {
        return restores == null ? Lookup.unknown("Restores are not looked up") : Lookup.found(RestoreIndex.of(restores));
    }

    @Override
    public Lookup<SecretKeys> secret(String namespace, String name) {
        if (secrets == null) {
            return Lookup.unknown("the Secret cache is not available");
        }
        Set<String> keys = secrets.get(namespace + "/" + name);
        return keys == null ? Lookup.missing() : Lookup.found(new SecretKeys(namespace, name, keys));
    }

    @Override
    public Lookup<BackupIndex> backups() {
        return backups == null ? Lookup.unknown("the Backup cache is not available") : Lookup.found(BackupIndex.of(backups));
    }

    @Override
    public Lookup<Boolean> tidbCluster(String namespace, String name) {
        if (clusters == null) {
            return Lookup.skipped();
        }
        if (clusters.containsKey("")) {
            return Lookup.unknown("the TiDB clusters are not known");
        }
        return Boolean.TRUE.equals(clusters.get(namespace + "/" + name)) ? Lookup.found(true) : Lookup.missing();
    }
}
