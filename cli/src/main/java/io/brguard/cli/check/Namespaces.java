package io.brguard.cli.check;

import io.brguard.policy.Manifests;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How an object that names no namespace gets one: kustomize's {@code namespace:} and Flux's {@code targetNamespace}
 * set it on every namespaced object ({@link #override}); kubectl's {@code -n} and Argo CD's
 * {@code spec.destination.namespace} only on those that name none ({@link #fill}).
 */
final class Namespaces {

    /** The cluster-scoped kinds a Backup repository may hold beside its Backups; every other kind is namespaced. */
    static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
            "PriorityClass", "StorageClass", "PersistentVolume", "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding");

    private Namespaces() {
    }

    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /** Whether this can name a namespace: a DNS-1123 label (Kubernetes' ValidateNamespaceName). */
    static boolean isName(String namespace) {
        return LABEL.matcher(namespace).matches();
    }

    static boolean namespaced(Manifests.Document d) {
        return !CLUSTER_SCOPED.contains(d.kind());
    }

    /** Every namespaced object in this namespace, whatever it names (kustomize's namespace transformer). */
    static Source override(Source s, String namespace) {
        return s.withDocuments(map(s.documents(), namespace, true));
    }

    /** Objects that name no namespace in this one; the others keep theirs. */
    static Source fill(Source s, String namespace) {
        return s.withDocuments(map(s.documents(), namespace, false));
    }

    static List<Manifests.Document> map(List<Manifests.Document> docs, String namespace, boolean override) {
        List<Manifests.Document> out = new ArrayList<>(docs.size());
        for (Manifests.Document d : docs) {
            out.add(set(d, namespace, override));
        }
        return out;
    }

    static Manifests.Document set(Manifests.Document d, String namespace, boolean override) {
        if (!namespaced(d) || (!override && d.declaresNamespace())
                || (d.declaresNamespace() && d.namespace().equals(namespace))) {
            return d;
        }
        JsonNode tree = d.tree();
        if (!tree.path("metadata").isObject()) {
            return d;
        }
        ((ObjectNode) tree.get("metadata")).put("namespace", namespace);
        return d.withTree(tree);
    }
}
