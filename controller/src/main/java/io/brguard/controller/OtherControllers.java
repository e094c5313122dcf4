package io.brguard.controller;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Optional;

/**
 * How brguard's controller tells that another controller acts on an object, so that it never is a second actor:
 * the API server records every writer of an object in metadata.managedFields, by field manager, and brguard
 * writes as {@link #FIELD_MANAGER}. TiDB Operator v2 writes as {@code tidb-operator} (pkg/client/client.go
 * DefaultFieldManager, set as the user agent in cmd/tidb-operator/main.go) and its Job pods' tidb-backup-manager
 * by its own name; either one writing an object's status means the object is theirs.
 */
public final class OtherControllers {
    /** The field manager (and user agent) of every brguard controller write. */
    public static final String FIELD_MANAGER = "brguard-controller";
    /** TiDB Operator v2's controller-manager leader-election Lease (cmd/tidb-operator/main.go LeaderElectionID). */
    public static final String OPERATOR_LEASE = "c6a50700.pingcap.com";

    private OtherControllers() {
    }

    /** The manager other than brguard that writes the object's status, or null. */
    public static String statusWriter(ObjectMeta meta) {
        List<ManagedFieldsEntry> managed = meta == null ? null : meta.getManagedFields();
        if (managed != null) {
            for (ManagedFieldsEntry e : managed) {
                if ("status".equals(e.getSubresource()) && e.getManager() != null && !FIELD_MANAGER.equals(e.getManager())) {
                    return e.getManager();
                }
            }
        }
        return null;
    }

    /** TiDB Operator v2's leader Lease, in whatever namespace the operator runs: namespace/name and its holder. */
    public static Optional<String> operatorLease(KubernetesClient client) {
        for (Lease l : client.leases().inAnyNamespace().withField("metadata.name", OPERATOR_LEASE).list().getItems()) {
            if (!OPERATOR_LEASE.equals(l.getMetadata().getName())) {
                continue; // a server that ignores the field selector lists every Lease
            }
            String holder = l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
            return Optional.of(l.getMetadata().getNamespace() + "/" + OPERATOR_LEASE + (holder == null ? "" : " (held by " + holder + ")"));
        }
        return Optional.empty();
    }
}
