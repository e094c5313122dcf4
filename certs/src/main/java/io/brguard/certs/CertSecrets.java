package io.brguard.certs;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Two Secrets: the CA Secret (ca.crt, ca.key, previous-ca.crt), read only by the rotation Job, and the
 * kubernetes.io/tls serving Secret (tls.crt, tls.key, ca.crt holding the bundle) that the webhook mounts.
 * Writes carry the resourceVersion they read, so two rotation Jobs cannot overwrite each other.
 */
public final class CertSecrets implements CertStore {
    private final KubernetesClient client;
    private final String namespace;
    private final String caSecret;
    private final String servingSecret;
    private Secret caRead;
    private Secret servingRead;

    public CertSecrets(KubernetesClient client, String namespace, String caSecret, String servingSecret) {
        this.client = client;
        this.namespace = namespace;
        this.caSecret = caSecret;
        this.servingSecret = servingSecret;
    }

    @Override
    public String describe() {
        return "Secrets " + namespace + "/" + caSecret + " and " + namespace + "/" + servingSecret;
    }

    @Override
    public Optional<CertState> load() {
        caRead = client.secrets().inNamespace(namespace).withName(caSecret).get();
        servingRead = client.secrets().inNamespace(namespace).withName(servingSecret).get();
        if (caRead == null) {
            return Optional.empty();
        }
        String where = "Secret " + namespace + "/" + caSecret;
        Issuer.Issued ca = new Issuer.Issued(Pem.certificates(where + " ca.crt", value(caRead, "ca.crt", where)).get(0),
                Pem.privateKey(where + " ca.key", value(caRead, "ca.key", where)));
        X509Certificate previous = has(caRead, "previous-ca.crt")
                ? Pem.certificates(where + " previous-ca.crt", value(caRead, "previous-ca.crt", where)).get(0) : null;
        Issuer.Issued leaf = null;
        if (servingRead != null && has(servingRead, "tls.crt")) {
            String sw = "Secret " + namespace + "/" + servingSecret;
            leaf = new Issuer.Issued(Pem.certificates(sw + " tls.crt", value(servingRead, "tls.crt", sw)).get(0),
                    Pem.privateKey(sw + " tls.key", value(servingRead, "tls.key", sw)));
        }
        return Optional.of(new CertState(ca, previous, leaf));
    }

    @Override
    public void saveCa(CertState s) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("ca.crt", b64(Pem.encode(s.ca().certificate())));
        data.put("ca.key", b64(Pem.encode(s.ca().key())));
        if (s.previousCa() != null) {
            data.put("previous-ca.crt", b64(Pem.encode(s.previousCa())));
        }
        caRead = write(caRead, caSecret, "Opaque", data);
    }

    @Override
    public void saveServing(CertState s) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("tls.crt", b64(Pem.encode(List.of(s.leaf().certificate()))));
        data.put("tls.key", b64(Pem.encode(s.leaf().key())));
        data.put("ca.crt", b64(Pem.encode(s.bundle())));
        servingRead = write(servingRead, servingSecret, "kubernetes.io/tls", data);
    }

    private Secret write(Secret read, String name, String type, Map<String, String> data) {
        if (read == null) {
            return client.secrets().inNamespace(namespace).resource(new SecretBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace)
                    .addToLabels("app.kubernetes.io/name", "brguard").addToLabels("app.kubernetes.io/component", "webhook-certs")
                    .endMetadata().withType(type).withData(data).build()).create();
        }
        Secret updated = new SecretBuilder(read).withData(data).build();
        return client.secrets().inNamespace(namespace).resource(updated).update(); // fails on a concurrent change
    }

    private static boolean has(Secret s, String key) {
        return s.getData() != null && s.getData().containsKey(key);
    }

    private static String value(Secret s, String key, String where) {
        if (!has(s, key)) {
            throw new CertException(where + ": has no " + key);
        }
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
