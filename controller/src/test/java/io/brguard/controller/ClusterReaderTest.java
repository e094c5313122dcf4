package io.brguard.controller;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The group choice of pingcap/tidb-operator pkg/controllers/br/manager/util/cluster.go FirstPDGroup and
 * FirstTikvGroup: the groups whose spec.cluster.name is the cluster, the oldest first (apicall.ListGroups had sorted
 * them by name, so among equal timestamps the first name).
 */
class ClusterReaderTest {

    static GenericKubernetesResource group(String name, String cluster, String created) {
        GenericKubernetesResource g = new GenericKubernetesResourceBuilder().withApiVersion("core.pingcap.com/v1alpha1")
                .withKind("PDGroup").withNewMetadata().withName(name).withNamespace("test1").withCreationTimestamp(created)
                .endMetadata().build();
        g.setAdditionalProperty("spec", Map.of("cluster", Map.of("name", cluster)));
        return g;
    }

    @Test
    void choosesTheOldestGroupOfTheClusterAndTheFirstNameAmongEquals() {
        List<GenericKubernetesResource> groups = List.of(
                group("pd-b", "demo1", "2026-11-02T10:00:00Z"),
                group("pd-old-other", "demo2", "2026-01-01T00:00:00Z"),
                group("pd-a", "demo1", "2026-11-02T10:00:00Z"),
                group("pd-new", "demo1", "2026-11-30T10:00:00Z"));
        assertEquals("pd-a", ClusterReader.first(groups, "demo1").getMetadata().getName());
        assertEquals("pd-old-other", ClusterReader.first(groups, "demo2").getMetadata().getName());
        assertNull(ClusterReader.first(groups, "demo3"));
    }

    @Test
    void readsPortVersionAndTlsWithTheOperatorsDefaults() {
        GenericKubernetesResource cluster = group("demo1", "demo1", null);
        cluster.setAdditionalProperty("spec", Map.of());
        GenericKubernetesResource pd = group("pd", "demo1", null);
        GenericKubernetesResource tikv = group("tikv", "demo1", null);
        tikv.setAdditionalProperty("spec", Map.of("cluster", Map.of("name", "demo1"), "template", Map.of("spec", Map.of("version", "v8.5.2"))));
        assertEquals(new ClusterTopology("test1", "demo1", "pd", 2379, "v8.5.2", false), ClusterReader.topology("test1", cluster, pd, tikv));

        cluster.setAdditionalProperty("spec", Map.of("tlsCluster", Map.of("enabled", true)));
        pd.setAdditionalProperty("spec", Map.of("template", Map.of("spec", Map.of("server", Map.of("ports", Map.of("client", Map.of("port", 23790)))))));
        ClusterTopology t = ClusterReader.topology("test1", cluster, pd, tikv);
        assertEquals("pd-pd.test1:23790", t.pdAddress());
        assertEquals("demo1-cluster-client-secret", t.tlsSecret());
        assertEquals(true, t.tls());
    }
}
