package io.brguard.controller;

import io.brguard.policy.testing.Fixtures;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Map;

/** Prepares the fabric8 CRUD mock API for controller tests: brguard's CRD, and test1/azblob-secret for Azurite. */
final class MockCluster {

    private MockCluster() {
    }

    static void install(KubernetesClient client) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(Fixtures.path("manifests/crd/backups.br.pingcap.com.yaml").toFile()).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        secret(client, "azblob-secret", Azurite.KEY);
    }

    static void secret(KubernetesClient client, String name, String key) {
        client.secrets().inNamespace("test1").resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace("test1").endMetadata().withStringData(Map.of("AZURE_STORAGE_ACCOUNT", Azurite.ACCOUNT,
                        "AZURE_STORAGE_KEY", key)).build()).create();
    }
}
