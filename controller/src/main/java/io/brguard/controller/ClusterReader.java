package io.brguard.controller;

import io.brguard.policy.Specs;
import io.brguard.policy.model.Backup;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Backup's TiDB Operator v2 cluster from the API server (generic resources: brguard has no model of
 * core.pingcap.com): the Cluster, then the first PDGroup and the first TiKVGroup of that cluster. "First" as
 * pingcap/tidb-operator pkg/controllers/br/manager/util/cluster.go {@code FirstPDGroup} / {@code FirstTikvGroup}
 * choose it: of the groups whose spec.cluster.name is the cluster ({@code apicall.ListGroups}, which sorts them by
 * name), the oldest by creationTimestamp. Everything is read in the Backup's own namespace, as TiDB Operator v2
 * reads it (pkg/controllers/br/backup/builder.go TaskContextCluster, makeBRBackupJob): spec.br.clusterNamespace is
 * not consulted, and the webhook refuses one that names another namespace (field.cluster-namespace).
 */
public final class ClusterReader {
    static final ResourceDefinitionContext CLUSTERS = context("Cluster", "clusters");
    static final ResourceDefinitionContext PD_GROUPS = context("PDGroup", "pdgroups");
    static final ResourceDefinitionContext TIKV_GROUPS = context("TiKVGroup", "tikvgroups");

    /** The cluster, or why a Job cannot be built for it yet. */
    public sealed interface Result {
        record Found(ClusterTopology topology) implements Result { }
        record Missing(String reason, String message) implements Result { }
    }

    private final KubernetesClient client;

    public ClusterReader(KubernetesClient client) {
        this.client = client;
    }

    private static ResourceDefinitionContext context(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup("core.pingcap.com").withVersion("v1alpha1")
                .withKind(kind).withPlural(plural).withNamespaced(true).build();
    }

    /** Reads the cluster; an API error other than "not found" is thrown (the reconcile is retried with backoff). */
    public Result read(Backup b) {
        Optional<Specs.ClusterRef> ref = Specs.cluster(b);
        if (ref.isEmpty()) {
            return new Result.Missing("InvalidSpec", "spec.br.cluster is required");
        }
        String ns = Specs.namespace(b);
        String name = ref.get().name();
        GenericKubernetesResource cluster = client.genericKubernetesResources(CLUSTERS).inNamespace(ns).withName(name).get();
        if (cluster == null) {
            return new Result.Missing("ClusterNotFound", "Cluster " + ns + "/" + name + " (core.pingcap.com/v1alpha1) not found; "
                    + "spec.br.cluster names it, in the Backup's namespace (TiDB Operator v2 reads no other)");
        }
        GenericKubernetesResource pd = first(client.genericKubernetesResources(PD_GROUPS).inNamespace(ns).list().getItems(), name);
        if (pd == null) {
            return new Result.Missing("PDGroupNotFound", "no PDGroup of Cluster " + ns + "/" + name
                    + " (core.pingcap.com/v1alpha1 with spec.cluster.name " + name + ") in namespace " + ns);
        }
        GenericKubernetesResource tikv = first(client.genericKubernetesResources(TIKV_GROUPS).inNamespace(ns).list().getItems(), name);
        if (tikv == null) {
            return new Result.Missing("TiKVGroupNotFound", "no TiKVGroup of Cluster " + ns + "/" + name
                    + " (core.pingcap.com/v1alpha1 with spec.cluster.name " + name + ") in namespace " + ns);
        }
        return new Result.Found(topology(ns, cluster, pd, tikv));
    }

    /** The topology from the three objects as the API server returns them. Pure. */
    static ClusterTopology topology(String ns, GenericKubernetesResource cluster, GenericKubernetesResource pd,
                                    GenericKubernetesResource tikv) {
        Object port = path(pd.getAdditionalProperties(), "spec", "template", "spec", "server", "ports", "client", "port");
        Object version = path(tikv.getAdditionalProperties(), "spec", "template", "spec", "version");
        Object tls = path(cluster.getAdditionalProperties(), "spec", "tlsCluster", "enabled");
        return new ClusterTopology(ns, cluster.getMetadata().getName(), pd.getMetadata().getName(),
                port instanceof Number n ? n.intValue() : ClusterTopology.DEFAULT_PD_PORT,
                version instanceof String s ? s : "", Boolean.TRUE.equals(tls));
    }

    /** The group of this cluster with the oldest creationTimestamp, by name among equals; null when none. */
    static GenericKubernetesResource first(List<GenericKubernetesResource> groups, String cluster) {
        return groups.stream()
                .filter(g -> cluster.equals(path(g.getAdditionalProperties(), "spec", "cluster", "name")))
                .min(Comparator.comparing((GenericKubernetesResource g) -> created(g)).thenComparing(g -> g.getMetadata().getName()))
                .orElse(null);
    }

    private static String created(GenericKubernetesResource g) {
        // RFC 3339 in UTC with second precision, as the API server writes it: ordered as text
        String t = g.getMetadata().getCreationTimestamp();
        return t == null ? "" : t;
    }

    private static Object path(Map<String, Object> root, String... keys) {
        Object at = root;
        for (String k : keys) {
            if (!(at instanceof Map<?, ?> m)) {
                return null;
            }
            at = m.get(k);
        }
        return at;
    }
}
