package io.brguard.controller;

/**
 * What a BR Job needs to know about the TiDB Operator v2 cluster a Backup names (spec.br.cluster, in the Backup's
 * namespace): read from its {@code Cluster}, first {@code PDGroup} and first {@code TiKVGroup}
 * (core.pingcap.com/v1alpha1), as pingcap/tidb-operator pkg/controllers/br/manager/backup/backup_manager.go
 * {@code makeBRBackupJob} reads them.
 *
 * @param namespace   the cluster's namespace
 * @param cluster     the Cluster's name
 * @param pdGroup     the first PDGroup's name
 * @param pdPort      its client port (spec.template.spec.server.ports.client.port, 2379 when unset;
 *                    pkg/apiutil/core/v1alpha1/pd.go {@code PDGroupClientPort})
 * @param tikvVersion the first TiKVGroup's spec.template.spec.version (may be empty)
 * @param tls         the Cluster's spec.tlsCluster.enabled (pkg/apiutil/core/v1alpha1/cluster.go
 *                    {@code IsTLSClusterEnabled})
 */
public record ClusterTopology(String namespace, String cluster, String pdGroup, int pdPort, String tikvVersion, boolean tls) {
    /** PD's client port when the PDGroup sets none (api/core/v1alpha1/pd_types.go {@code DefaultPDPortClient}). */
    public static final int DEFAULT_PD_PORT = 2379;
    /** Where the cluster client certificate is mounted (api/core/v1alpha1/names.go {@code DirPathClusterClientTLS}). */
    public static final String TLS_DIR = "/var/lib/cluster-client-tls";
    /** The volume's name (names.go {@code VolumeNameClusterClientTLS}: the "ti-" prefix and cluster-client-tls). */
    public static final String TLS_VOLUME = "ti-cluster-client-tls";

    /** {@code <pdgroup>-pd.<namespace>:<port>}, the --pd-addr TiDB Operator gives its backup Jobs. */
    public String pdAddress() {
        return pdGroup + "-pd." + namespace + ":" + pdPort;
    }

    /**
     * The Secret with the cluster client certificate, {@code <cluster>-cluster-client-secret}
     * ({@code LegacyTLSClusterClientSecretName}): BR still reads the cluster through it. It is mounted into the
     * Job, so it must exist in the Backup's namespace.
     */
    public String tlsSecret() {
        return cluster + "-cluster-client-secret";
    }
}
