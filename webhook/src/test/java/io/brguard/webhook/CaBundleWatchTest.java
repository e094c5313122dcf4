package io.brguard.webhook;

import io.brguard.certs.CertFiles;
import io.brguard.certs.CertPolicy;
import io.brguard.certs.CertState;
import io.brguard.certs.Pem;
import io.brguard.certs.Rotation;
import io.brguard.certs.Rotator;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CA's and the caBundles' expiry are exported beside the serving certificate's, and whether they trust it. */
@EnableKubernetesMockClient(crud = true)
class CaBundleWatchTest {
    static KubernetesClient client;

    static CertState issued(Path dir) {
        return new Rotator(new CertFiles(dir), b -> { }, Rotation.Served::unknown, Clock.systemUTC(), CertPolicy.DEFAULT,
                Duration.ZERO).issue(List.of("localhost"), List.of("127.0.0.1"));
    }

    static String b64(List<X509Certificate> bundle) {
        return Base64.getEncoder().encodeToString(Pem.encode(bundle).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void exportsTheExpiryOfTheCaAndOfEachCaBundleAndWhetherTheyTrustTheServingCertificate() throws Exception {
        Path dir = Files.createTempDirectory("brguard-cabundle");
        CertState ours = issued(dir);
        CertState stranger = issued(Files.createTempDirectory("brguard-cabundle-other"));
        client.admissionRegistration().v1().validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("brguard").endMetadata()
                .addNewWebhook().withName("validate.backups.brguard.io").withNewClientConfig().withCaBundle(b64(ours.bundle()))
                .endClientConfig().endWebhook().build()).create();
        // A GitOps sync put back an old caBundle into the mutating configuration.
        client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("brguard").endMetadata()
                .addNewWebhook().withName("mutate.backups.brguard.io").withNewClientConfig().withCaBundle(b64(stranger.bundle()))
                .endClientConfig().endWebhook().build()).create();

        TlsReloader tls = new TlsReloader(dir, Clock.systemUTC());
        assertEquals((double) ours.ca().certificate().getNotAfter().toInstant().getEpochSecond(), tls.caExpiryEpochSeconds(),
                "the CA that issued the serving certificate, from the mounted ca.crt");
        WebhookMetrics metrics = new WebhookMetrics(tls::expiryEpochSeconds);
        metrics.caExpiry(tls::caExpiryEpochSeconds);
        try (CaBundleWatch watch = new CaBundleWatch(client, List.of("brguard"), List.of("brguard"), tls::serving).bind(metrics.registry())) {
            watch.check();
            String m = metrics.scrape();
            long caNotAfter = ours.ca().certificate().getNotAfter().toInstant().getEpochSecond();
            assertTrue(m.contains("brguard_webhook_cabundle_trusts_serving{configuration=\"ValidatingWebhookConfiguration/brguard\"} 1.0"), m);
            assertEquals((double) caNotAfter, value(m, "brguard_webhook_cabundle_expiry_timestamp_seconds{configuration=\"ValidatingWebhookConfiguration/brguard\"}"));
            assertEquals((double) caNotAfter, value(m, "brguard_webhook_ca_expiry_timestamp_seconds"));
            assertTrue(m.contains("brguard_webhook_cabundle_trusts_serving{configuration=\"MutatingWebhookConfiguration/brguard\"} 0.0"), m);
            assertTrue(m.contains("brguard_webhook_cabundle_expiry_timestamp_seconds{configuration=\"MutatingWebhookConfiguration/brguard\"} NaN"), m);
            assertEquals(caNotAfter, (long) CaBundleWatch.judge(client.admissionRegistration().v1().validatingWebhookConfigurations()
                    .withName("brguard").get().getWebhooks().stream().map(w -> w.getClientConfig()).toList(), tls.serving())
                    .expiryEpochSeconds());
        }
        // A configuration it cannot read (missing here; RBAC or the API server elsewhere) is NaN, not "does not
        // trust": BrguardCaBundleDoesNotTrustServing (min(...) == 0) pages for a caBundle that is wrong, not for a read error.
        WebhookMetrics other = new WebhookMetrics(tls::expiryEpochSeconds);
        try (CaBundleWatch watch = new CaBundleWatch(client, List.of("absent"), List.of(), tls::serving).bind(other.registry())) {
            String before = other.scrape();
            assertTrue(before.contains("brguard_webhook_cabundle_trusts_serving{configuration=\"ValidatingWebhookConfiguration/absent\"} NaN"), before);
            watch.check();
            String m = other.scrape();
            assertTrue(m.contains("brguard_webhook_cabundle_trusts_serving{configuration=\"ValidatingWebhookConfiguration/absent\"} NaN"), m);
        }
        tls.close();
    }

    static double value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + series + " in " + scrape));
    }
}
