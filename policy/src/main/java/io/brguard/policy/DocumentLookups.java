package io.brguard.policy;

import io.brguard.policy.model.Backup;
import tools.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lookups answered from objects read from files ({@code brguard check}, {@code brguard webhook --dev}). Secrets come from Secret, SealedSecret and
 * ExternalSecret objects (key names only; values are never kept). When {@code --objects} was given it is taken as
 * the cluster's complete set, so a Secret absent from it is missing; otherwise an absent Secret is unknown.
 */
public final class DocumentLookups implements Lookups {
    private static final Set<String> KINDS = Set.of("Secret", "SealedSecret", "ExternalSecret", "TidbCluster", "Cluster");

    private final Map<String, Lookup<SecretKeys>> secrets = new HashMap<>();
    private final Set<String> clusters = new HashSet<>();
    private final boolean complete;
    private boolean clustersKnown;
    private final BackupIndex backups;
    private final boolean backupsComplete;
    private final RestoreIndex restores;

    /**
     * @param objects  documents of any kind; Secrets, SealedSecrets, ExternalSecrets and TiDB clusters are used
     * @param complete whether the objects are the cluster's whole set (then an absent Secret is missing)
     * @param backups  the Backups other rules compare with
     */
    public DocumentLookups(List<Manifests.Document> objects, boolean complete, List<Backup> backups) {
        this(objects, complete, BackupIndex.of(backups));
    }

    /**
     * As above, with an index the caller keeps (brguard check places each new Backup in it); the Backups are the
     * cluster's whole set, and the Restores among {@code objects} are the ones known.
     */
    public DocumentLookups(List<Manifests.Document> objects, boolean complete, BackupIndex backups) {
        this(objects, complete, backups, true, restoresOf(objects));
    }

    /**
     * @param backupsComplete whether {@code backups} are every Backup of the cluster (a live snapshot), so that a
     *                        location none of them writes to is a fact, not a gap in what the files declare
     * @param restores        the Restores other rules compare with
     */
    public DocumentLookups(List<Manifests.Document> objects, boolean complete, BackupIndex backups,
                           boolean backupsComplete, RestoreIndex restores) {
        this.complete = complete;
        this.backups = backups;
        this.backupsComplete = backupsComplete;
        this.restores = restores;
        for (Manifests.Document d : objects) {
            add(d);
        }
    }

    /** The Restores among documents of any kind; one that does not bind is left out (its own check reports it). */
    public static RestoreIndex restoresOf(List<Manifests.Document> documents) {
        RestoreIndex index = new RestoreIndex();
        restoresOf(documents, index);
        return index;
    }

    /** Puts the Restores among documents of any kind into {@code index}, later ones replacing earlier ones. */
    public static void restoresOf(List<Manifests.Document> documents, RestoreIndex index) {
        for (Manifests.Document d : documents) {
            if (io.brguard.policy.model.Restore.KIND.equals(d.kind())
                    && io.brguard.policy.model.Restore.API_VERSION.equals(d.apiVersion())) {
                try {
                    index.put(Json.toRestore(d.tree()));
                } catch (tools.jackson.core.JacksonException | IllegalArgumentException e) {
                    // reported by the schema rule when the Restore itself is checked
                }
            }
        }
    }

    private void add(Manifests.Document d) {
        if (!KINDS.contains(d.kind())) {
            return; // Backups and other kinds answer no lookup: no tree needed
        }
        JsonNode t = d.tree();
        String group = d.apiVersion().contains("/") ? d.apiVersion().substring(0, d.apiVersion().indexOf('/')) : "";
        switch (d.kind()) {
            case "Secret" -> {
                if (group.isEmpty()) {
                    Set<String> keys = new TreeSet<>(t.path("data").propertyNames());
                    keys.addAll(t.path("stringData").propertyNames());
                    put(d.namespace(), d.name(), Lookup.found(new SecretKeys(d.namespace(), d.name(), keys)));
                }
            }
            case "SealedSecret" -> {
                JsonNode meta = t.path("spec").path("template").path("metadata");
                String ns = meta.path("namespace").asString(d.namespace());
                String name = meta.path("name").asString(d.name());
                Set<String> keys = new TreeSet<>(t.path("spec").path("encryptedData").propertyNames());
                keys.addAll(t.path("spec").path("template").path("data").propertyNames());
                put(ns, name, Lookup.found(new SecretKeys(ns, name, keys)));
            }
            case "ExternalSecret" -> {
                JsonNode target = t.path("spec").path("target");
                String name = target.path("name").asString(d.name());
                JsonNode templated = target.path("template").path("data");
                if (templated.isObject()) {
                    put(d.namespace(), name, Lookup.found(new SecretKeys(d.namespace(), name,
                            new TreeSet<>(templated.propertyNames()))));
                } else if (t.path("spec").has("dataFrom")) {
                    put(d.namespace(), name, Lookup.unknown("ExternalSecret " + d.name() + " takes its keys from dataFrom"));
                } else {
                    Set<String> keys = new TreeSet<>();
                    t.path("spec").path("data").forEach(e -> keys.add(e.path("secretKey").asString()));
                    put(d.namespace(), name, Lookup.found(new SecretKeys(d.namespace(), name, keys)));
                }
            }
            case "TidbCluster", "Cluster" -> {
                if (group.equals("pingcap.com") || group.equals("core.pingcap.com")) {
                    clusters.add(d.namespace() + "/" + d.name());
                    clustersKnown = true;
                }
            }
            default -> {
                // other kinds do not answer any lookup
            }
        }
    }

    private void put(String ns, String name, Lookup<SecretKeys> value) {
        secrets.putIfAbsent(ns + "/" + name, value);
    }

    @Override
    public Lookup<SecretKeys> secret(String namespace, String name) {
        Lookup<SecretKeys> known = secrets.get(namespace + "/" + name);
        if (known != null) {
            return known;
        }
        return complete ? Lookup.missing()
                : Lookup.unknown("Secrets are not known: pass --objects DIR (Secrets, SealedSecrets or ExternalSecrets)");
    }

    @Override
    public Lookup<BackupIndex> backups() {
        return Lookup.found(backups);
    }

    @Override
    public boolean backupsComplete() {
        return backupsComplete;
    }

    @Override
    public Lookup<RestoreIndex> restores() {
        return Lookup.found(restores);
    }

    @Override
    public Lookup<Boolean> tidbCluster(String namespace, String name) {
        if (!clustersKnown) {
            return Lookup.unknown("no TiDB cluster is known: pass --objects with the Cluster (core.pingcap.com)");
        }
        return clusters.contains(namespace + "/" + name) ? Lookup.found(true) : Lookup.missing();
    }
}
