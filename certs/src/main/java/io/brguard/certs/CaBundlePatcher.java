package io.brguard.certs;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * Writes the caBundle into every webhook of the brguard Validating and Mutating webhook configurations, so the
 * caBundle never lives in Git (Argo CD would otherwise fight the rotation, argo-cd #1487).
 */
public final class CaBundlePatcher {
    private final KubernetesClient client;
    private final List<String> validating;
    private final List<String> mutating;

    public CaBundlePatcher(KubernetesClient client, List<String> validating, List<String> mutating) {
        this.client = client;
        this.validating = List.copyOf(validating);
        this.mutating = List.copyOf(mutating);
    }

    /** Patches every named configuration; a configuration that does not exist is an error naming it. */
    public void publish(List<X509Certificate> bundle) {
        String b64 = Base64.getEncoder().encodeToString(Pem.encode(bundle).getBytes(StandardCharsets.UTF_8));
        for (String name : validating) {
            var r = client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name);
            if (r.get() == null) {
                throw new CertException("ValidatingWebhookConfiguration " + name + " not found; apply the manifests first");
            }
            r.edit((ValidatingWebhookConfiguration c) -> {
                c.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(b64));
                return c;
            });
        }
        for (String name : mutating) {
            var r = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name);
            if (r.get() == null) {
                throw new CertException("MutatingWebhookConfiguration " + name + " not found; apply the manifests first");
            }
            r.edit((MutatingWebhookConfiguration c) -> {
                c.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(b64));
                return c;
            });
        }
    }
}
